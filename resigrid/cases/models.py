"""Cases: every problem raised, its photos, its log of moves, requests that need approval and
whistles (吹哨报到). State moves happen only in services, against `workflow.TRANSITIONS`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from resigrid.accounts.roles import Perm
from resigrid.areas.models import Area, scope_prefixes
from resigrid.cases.choices import PhotoStage, Rating, RequestKind, Resolution, Source
from resigrid.cases.workflow import OPEN_STATES, Action, Stage, State
from resigrid.orgs.models import Unit
from resigrid.registers.choices import Priority
from resigrid.registers.models import Category

if TYPE_CHECKING:
    import datetime as dt

    from resigrid.accounts.models import User


class CaseQuerySet(models.QuerySet["Case"]):
    def visible_to(self, user: User | Any, perm: Perm = Perm.VIEW_CASES) -> CaseQuerySet:
        """Cases in the user's area scope, plus those dispatched to or whistled at a unit the
        user acts for, plus the user's own reports."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        prefixes = scope_prefixes(user, perm)
        if prefixes is None:
            return self.all()
        q = Q(reporter=user)
        for p in prefixes:
            q |= Q(grid__code__startswith=p)
        q |= Q(lead_unit__accounts__user=user)
        q |= Q(support_units__accounts__user=user)
        q |= Q(whistles__unit__accounts__user=user)
        return self.filter(q).distinct()

    def open(self) -> CaseQuerySet:
        return self.filter(state__in=OPEN_STATES)

    def overdue(self, now: dt.datetime) -> CaseQuerySet:
        """Open, running (not suspended) cases whose current stage is past its deadline."""
        return self.open().filter(suspended_at__isnull=True, stage_due__lt=now)


class Case(models.Model):
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="cases", verbose_name=_("category")
    )
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), max_length=4000)
    address = models.CharField(_("address"), max_length=200, blank=True)
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    grid = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="cases", verbose_name=_("grid")
    )
    # Who raised it: a user, or an anonymous person with a contact (phone encrypted).
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reported_cases",
        verbose_name=_("reporter"),
    )
    contact_name = models.CharField(_("contact name"), max_length=40, blank=True)
    contact_phone_enc = models.TextField(_("contact phone (encrypted)"), blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    # Secret code for anonymous tracking and the Open311 token/ID; random, unique.
    tracking_code = models.CharField(_("tracking code"), max_length=16, unique=True)
    external_id = models.CharField(_("external id (e.g. 12345 hotline)"), max_length=64, blank=True)

    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.REPORTED, db_index=True
    )
    lead_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lead_cases",
        verbose_name=_("lead unit"),
    )
    support_units = models.ManyToManyField(
        Unit, related_name="support_cases", blank=True, verbose_name=_("support units")
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="handled_cases",
        verbose_name=_("handled by"),
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="verified_cases",
        verbose_name=_("verified by"),
    )
    rejection_reason = models.TextField(_("reason not accepted"), blank=True)
    result = models.TextField(_("result"), blank=True)
    rating = models.CharField(_("rating"), max_length=12, choices=Rating.choices, blank=True)
    rating_comment = models.TextField(_("rating comment"), blank=True)
    # Empty when the follow-up did not ask (a client that sends only the rating). The new
    # columns have database defaults, so raw INSERTs written before them keep working.
    resolution = models.CharField(
        _("resolved?"),
        max_length=12,
        choices=Resolution.choices,
        blank=True,
        default="",
        db_default="",
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_cases",
        verbose_name=_("merged into"),
    )

    # Clocks: the deadline of the current stage, and the handle deadline kept for 按期结案.
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices, blank=True)
    stage_due = models.DateTimeField(_("stage deadline"), null=True, blank=True)
    handle_due = models.DateTimeField(_("handling deadline"), null=True, blank=True)
    overdue_since = models.DateTimeField(_("overdue since"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    suspended_at = models.DateTimeField(_("suspended at"), null=True, blank=True)
    was_suspended = models.BooleanField(_("was suspended (缓办)"), default=False)
    was_postponed = models.BooleanField(_("was postponed (延期)"), default=False)
    rework_count = models.PositiveSmallIntegerField(_("rework count"), default=0)
    return_count = models.PositiveSmallIntegerField(_("return count"), default=0)
    reopen_count = models.PositiveSmallIntegerField(_("reopen count"), default=0)

    # When each stage was reached (for metrics: time per stage, 按期结案).
    reported_at = models.DateTimeField(_("reported at"), db_index=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    registered_at = models.DateTimeField(_("registered at"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, db_index=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    closed_on_time = models.BooleanField(_("closed on time"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Counted in the metrics rollup (CaseStat): set when the sweeper adds a settled case to it,
    # cleared (and its counts taken out) when a service locks the case to change it.
    in_rollup = models.BooleanField(
        _("counted in the metrics rollup"), default=False, db_default=False
    )

    objects = CaseQuerySet.as_manager()

    if TYPE_CHECKING:
        photos: models.Manager[CasePhoto]
        log: models.Manager[CaseLog]
        requests: models.Manager[CaseRequest]
        whistles: models.Manager[Whistle]

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["state", "stage_due"], name="case_clock_idx"),
            models.Index(fields=["category", "state"], name="case_category_state_idx"),
            models.Index(fields=["grid", "state"], name="case_grid_state_idx"),
            # The cases the metrics count live (not yet, or no longer, in the rollup).
            models.Index(
                fields=["reported_at"], condition=Q(in_rollup=False), name="case_live_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(lon__gte=-180, lon__lte=180, lat__gte=-90, lat__lte=90),
                name="case_point_valid",
            ),
            models.CheckConstraint(
                condition=~Q(state="merged") | Q(merged_into__isnull=False),
                name="case_merged_has_target",
            ),
            # A hotline ticket (12345 工单号) or other external id becomes one case only.
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~Q(external_id=""),
                name="uniq_case_external_id",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def number(self) -> str:
        """The human case number (案卷号)."""
        return f"AJ{self.pk:08d}" if self.pk else "AJ—"


class CasePhoto(models.Model):
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="photos", verbose_name=_("case")
    )
    stage = models.CharField(_("stage"), max_length=10, choices=PhotoStage.choices)
    file = models.FileField(_("file"), upload_to="cases/%Y/%m/")
    content_type = models.CharField(_("content type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("case photo")
        verbose_name_plural = _("case photos")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id}/{self.stage}/{self.pk}"


class CaseLog(models.Model):
    """One row per move or event. `public` rows are shown to the reporter."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="log", verbose_name=_("case")
    )
    at = models.DateTimeField(_("at"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    # A workflow Action, or an event: report, comment, whistle, acknowledge, escalate,
    # request, approve, deny, suspend, resume, postpone, reroute.
    action = models.CharField(_("action"), max_length=20)
    from_state = models.CharField(_("from"), max_length=12, choices=State.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=12, choices=State.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    public = models.BooleanField(_("shown to the reporter"), default=True)

    class Meta:
        verbose_name = _("case log entry")
        verbose_name_plural = _("case log")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action} {self.from_state}->{self.to_state}"


class CaseRequest(models.Model):
    """A postponement, suspension or reopen that someone must approve."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="requests", verbose_name=_("case")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=RequestKind.choices)
    reason = models.TextField(_("reason"))
    extra_minutes = models.PositiveIntegerField(_("extra minutes"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"))
    approved = models.BooleanField(_("approved"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        verbose_name = _("case request")
        verbose_name_plural = _("case requests")
        ordering = ["requested_at", "pk"]
        constraints = [
            # One undecided request of a kind at a time.
            models.UniqueConstraint(
                fields=["case", "kind"],
                condition=Q(approved__isnull=True),
                name="uniq_open_request",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


class Whistle(models.Model):
    """吹哨报到: the community summons a unit (a street office or district department) to a case;
    the unit must report (acknowledge) before `due_at`."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="whistles", verbose_name=_("case")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="whistles", verbose_name=_("summoned unit")
    )
    reason = models.TextField(_("reason"))
    summoned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("summoned by"),
    )
    summoned_at = models.DateTimeField(_("summoned at"))
    due_at = models.DateTimeField(_("answer due"))
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answer = models.TextField(_("answer"), blank=True)
    late_notified_at = models.DateTimeField(_("lateness notified at"), null=True, blank=True)

    class Meta:
        verbose_name = _("whistle")
        verbose_name_plural = _("whistles")
        ordering = ["summoned_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "unit"],
                condition=Q(answered_at__isnull=True),
                name="uniq_open_whistle",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.unit_id}"


class CaseStat(models.Model):
    """The metrics rollup: the counts (`metrics.rules.Counts`) of the settled cases marked
    `in_rollup`, summed per report day (local time) and per one of three keys: the grid
    (`dim="grid"`, serves the month, street, community and grid breakdowns), the community and
    lead unit (`"unit"`) or the community and top-level category (`"category"`). Durations are
    kept in microseconds so that sums are exact. Kept by `metrics.rollup`."""

    dim = models.CharField(_("dimension"), max_length=8)
    day = models.DateField(_("report day"))
    area_code = models.CharField(_("grid or community code"), max_length=15)
    grid_id = models.IntegerField(_("grid"), default=0)
    unit_id = models.IntegerField(_("lead unit (0: none)"), default=0)
    category = models.CharField(_("top-level category"), max_length=8, blank=True)

    class Meta:
        verbose_name = _("case statistic")
        verbose_name_plural = _("case statistics")
        constraints = [
            models.UniqueConstraint(
                fields=["dim", "day", "area_code", "grid_id", "unit_id", "category"],
                name="uniq_case_stat_key",
            )
        ]
        indexes = [models.Index(fields=["dim", "day"], name="case_stat_dim_day_idx")]

    def __str__(self) -> str:
        return f"{self.dim} {self.day} {self.area_code}"


# One column per additive count of `metrics.rules.Counts` (kept in step by a test).
STAT_COUNTS = (
    "reported", "accepted", "rejected", "registered", "due", "closed", "suspended", "on_time",
    "urgent_due", "urgent_suspended", "urgent_on_time", "handled", "reworked", "serious_rework",
    "open", "overdue", "rated", "responded", "satisfied", "basically", "unsatisfied",
    "resolved", "partly", "unresolved", "accept_n", "accept_s", "dispatch_n", "dispatch_s",
    "handle_n", "handle_s", "close_n", "close_s", "total_n", "total_s",
)  # fmt: skip
for _name in STAT_COUNTS:
    models.BigIntegerField(_name, default=0).contribute_to_class(CaseStat, _name)


class CaseStatState(models.Model):
    """One row: the settings the rollup was built with; when they change, the metrics count
    everything live until `manage.py rebuild_case_stats` runs."""

    response_minutes = models.PositiveIntegerField(_("response minutes"))
    time_zone = models.CharField(_("time zone"), max_length=64)
    built_at = models.DateTimeField(_("built at"))
    absorbed_at = models.DateTimeField(_("last absorbed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("case statistics state")
        verbose_name_plural = _("case statistics state")

    def __str__(self) -> str:
        return f"{self.response_minutes} min, {self.time_zone}"


class IdempotentRequest(models.Model):
    """The first answer to a mobile submission carrying an `Idempotency-Key`: a retry gets it
    back; a different body under the same key is refused."""

    key = models.CharField(_("key"), max_length=80)
    owner = models.CharField(_("owner"), max_length=80)  # user id, or the anonymous client's key
    fingerprint = models.CharField(_("body fingerprint"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("status code"))
    response = models.JSONField(_("response"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("idempotent request")
        verbose_name_plural = _("idempotent requests")
        constraints = [
            models.UniqueConstraint(fields=["owner", "key"], name="uniq_idempotency_key")
        ]

    def __str__(self) -> str:
        return f"{self.owner}:{self.key}"


__all__ = [
    "Action",
    "Case",
    "CaseLog",
    "CasePhoto",
    "CaseRequest",
    "CaseStat",
    "CaseStatState",
    "IdempotentRequest",
    "Whistle",
]
