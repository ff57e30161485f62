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

        from leadership.home import register_home_panels

        register_home_panels()

        from leadership.demo import seed_leadership_demo
        from qms_portal.demo import demo_register

        demo_register("leadership", seed_leadership_demo)
