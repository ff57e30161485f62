from django.apps import AppConfig

from roles.access import RolesCapability


class RolesConfig(AppConfig):
    """Roles and responsibilities (5.3) of ISO 9001:2015."""

    name = "roles"
    verbose_name = "Roles and responsibilities (5.3)"

    def ready(self) -> None:
        from qms_portal.navigation import NavItem, nav_register

        nav_register(NavItem("Roles", "roles:role_list", RolesCapability.VIEW, order=30))
        # Every signed-in person may see what their own roles ask of them (5.3: communicated, understood).
        nav_register(NavItem("My roles", "roles:my_roles", None, order=32))

        from roles.tasks import register_job_kinds

        register_job_kinds()

        from roles.home import register_home_panels

        register_home_panels()

        # Its reminders, found by the core's sweep (issue 14).
        from qms_portal.notifications import reminder_kind_register
        from roles.reminders import ROLE_TO_ACKNOWLEDGE_KIND

        reminder_kind_register(ROLE_TO_ACKNOWLEDGE_KIND)

        from qms_portal.demo import demo_register
        from roles.demo import seed_roles_demo

        demo_register("roles", seed_roles_demo)
        from roles.demo.large import seed_roles_large

        demo_register("roles large", seed_roles_large)
