"""The HTTP API: Django Ninja, one router per app, OpenAPI docs at /api/docs."""

from ninja import NinjaAPI
from ninja.security import django_auth

from resigrid.accounts.api import TokenAuth
from resigrid.accounts.api import router as accounts_router
from resigrid.accounts.api_errors import install_error_handlers
from resigrid.alerts.api import router as alerts_router
from resigrid.alerts.api_cap import router as alerts_cap_router
from resigrid.areas.api import router as areas_router
from resigrid.cases.api import router as cases_router
from resigrid.monitoring.api import router as monitoring_router
from resigrid.orgs.api import router as orgs_router
from resigrid.people.api import router as people_router
from resigrid.registers.api import router as registers_router
from resigrid.resources.api import router as resources_router
from resigrid.response.allocations.api import router as allocations_router
from resigrid.response.bulletins.api import router as bulletins_router
from resigrid.response.callups.api import router as callups_router
from resigrid.response.command.api import router as command_router
from resigrid.response.incidents.api import router as incidents_router
from resigrid.response.institutions.api import router as institutions_router
from resigrid.response.plans.api import router as plans_router
from resigrid.response.recovery.api import router as recovery_router
from resigrid.response.risks.api import router as risks_router
from resigrid.response.sweeps.api import router as sweeps_router
from resigrid.sim.api import router as sim_router

api = NinjaAPI(
    title="Resigrid API",
    version="1",
    description="Resigrid (韧网): areas, grids and the locator. Session or token (Bearer) auth.",
    auth=[TokenAuth(), django_auth],
    urls_namespace="api",
)
install_error_handlers(api)
api.add_router("/accounts/", accounts_router, tags=["accounts"])
api.add_router("/areas/", areas_router, tags=["areas"])
api.add_router("/people/", people_router, tags=["people"])
api.add_router("/orgs/", orgs_router, tags=["orgs"])
api.add_router("/resources/", resources_router, tags=["resources"])
api.add_router("/registers/", registers_router, tags=["registers"])
api.add_router("/cases/", cases_router, tags=["cases"])
# CAP first: its /alerts/cap must not be taken for /alerts/{pk}.
api.add_router("/alerts/", alerts_cap_router, tags=["alerts"])
api.add_router("/alerts/", alerts_router, tags=["alerts"])
api.add_router("/monitoring/", monitoring_router, tags=["monitoring"])
api.add_router("/response/risks/", risks_router, tags=["response"])
api.add_router("/response/institutions/", institutions_router, tags=["response"])
api.add_router("/response/plans/", plans_router, tags=["response"])
api.add_router("/response/incidents/", incidents_router, tags=["response"])
api.add_router("/response/callups/", callups_router, tags=["response"])
api.add_router("/response/allocations/", allocations_router, tags=["response"])
api.add_router("/response/sweeps/", sweeps_router, tags=["response"])
api.add_router("/response/bulletins/", bulletins_router, tags=["response"])
api.add_router("/response/recovery/", recovery_router, tags=["response"])
api.add_router("/response/command/", command_router, tags=["response"])
api.add_router("/sim/", sim_router, tags=["simulation"])
