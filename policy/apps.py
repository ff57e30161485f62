from django.apps import AppConfig


class PolicyConfig(AppConfig):
    """Quality policy (5.2) of ISO 9001:2015."""

    name = "policy"
    verbose_name = "Quality policy (5.2)"

    def ready(self) -> None:
        from policy.home import ack_prompt_context, policy_home_card
        from qms_portal.home import HomePanel, home_register
        from qms_portal.navigation import NavItem, nav_register

        # Every signed-in person may read the policies in force (5.2.2.a).
        nav_register(NavItem("Policies", "policy:policy_list", None, order=20))
        home_register(HomePanel(area="policy", template="policy/_home_card.html", context=policy_home_card, order=20))

        # People asked to acknowledge a published version see it above everything else until they do (5.2.2.b).
        home_register(HomePanel(
            area="policy_ack", template="policy/_ack_prompt.html", context=ack_prompt_context, slot="attention"
        ))

        # Its reminders, found by the core's sweep (issue 14).
        from policy.reminders import KINDS
        from qms_portal.notifications import reminder_kind_register

        for kind in KINDS:
            reminder_kind_register(kind)

        # The demo policies, built by ``seed_demo`` after the demo organisation and people.
        from policy.demo import seed_policy_demo
        from qms_portal.demo import demo_register

        demo_register("policy", seed_policy_demo)
        from policy.demo.large import seed_policy_large

        demo_register("policy large", seed_policy_large)
