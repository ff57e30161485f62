from django.apps import AppConfig


class LeadershipConfig(AppConfig):
    """Leadership (5.1) of ISO 9001:2015."""

    name = "leadership"
    verbose_name = "Leadership (5.1)"

    def ready(self) -> None:
        from leadership.access import LeadershipCapability
        from qms_portal.navigation import NavItem, nav_register

        nav_register(NavItem("Dashboard", "leadership:dashboard", LeadershipCapability.VIEW_DASHBOARD, order=5))
        nav_register(NavItem("Leadership", "leadership:leadership_home", LeadershipCapability.VIEW, order=10))
        # Anyone may own an action (an employee too), so everyone has their list.
        nav_register(NavItem("My actions", "leadership:my_actions", None, order=33))
        nav_register(NavItem("Evidence packs", "leadership:pack_list", LeadershipCapability.MAKE_EVIDENCE_PACKS,
                             order=40))

        from qms_portal.job_kinds import JobKind, job_kind_register

        job_kind_register("evidence_pack", JobKind(
            "Evidence pack", "leadership.tasks.evidence_pack_plan", LeadershipCapability.MAKE_EVIDENCE_PACKS,
            back_url_name="leadership:pack_list", back_label="Back to evidence packs",
            in_process_thread=True, cancellable=True,
        ))

        from leadership.reminders import register_reminder_kinds

        register_reminder_kinds()

        from leadership.home import register_home_panels

        register_home_panels()

        from leadership.demo import seed_leadership_demo
        from qms_portal.demo import demo_register

        demo_register("leadership", seed_leadership_demo)
        from leadership.demo.large import seed_leadership_large

        demo_register("leadership large", seed_leadership_large)
