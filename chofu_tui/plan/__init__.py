"""The annual plan: models and loader (no Textual, no peewee)."""

from chofu_tui.plan.loader import LoadedPlan, PlanCatalog, load_plan_file
from chofu_tui.plan.models import Area, Initiative, Plan, ProgramArea, Target, TargetKind

__all__ = [
    "Area",
    "Initiative",
    "LoadedPlan",
    "Plan",
    "PlanCatalog",
    "ProgramArea",
    "Target",
    "TargetKind",
    "load_plan_file",
]
