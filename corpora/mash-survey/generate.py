"""Generate the SYNTHETIC national MASH survey in this folder (survey.csv), reproducibly.

Every local authority, name and answer here is invented for ipe; none describes a real council. Run from the
repository root or this folder; the fixed seed makes the same file every time:

    python corpora/mash-survey/generate.py

Each fictional LA gets a latent "needs orientation" drawn from a mixture (about a third mostly risk-focused, a
third hybrid, a third needs-and-planning); its closed answers follow it with noise. Around 4% of answers are left
blank or "don't know", two LAs returned a mostly empty form (so they are unplaced), and a few LAs ticked "no" for
early help planning while describing it in free text (inconsistent responses, as real surveys have). The three
case-study sites are written by hand so they fall clearly in their bands: Ashdown (risk-focused), Corrington
(hybrid) and Bramwell (needs-and-planning).
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

SEED = 20251124
N = 111
CASE_SITES = {14: "Ashdown", 57: "Bramwell", 83: "Corrington"}
UNPLACED = {39, 102}  # returned a mostly empty form
INCONSISTENT = {8, 47, 91}  # say "no" to early help planning, then describe it

STEMS = ["Alder", "Brel", "Cadd", "Dorn", "Elver", "Fenn", "Grey", "Holl", "Ivel", "Kest", "Lum", "Marr", "Nort",
         "Orl", "Penn", "Quen", "Rav", "Sall", "Tarr", "Umb", "Vell", "Wend", "Yarr", "Thorn", "Cleve", "Hask",
         "Mill", "Stan", "Brack", "Eske"]
ENDINGS = ["ington", "ley", "mouth", "stead", "worth", "by", "wick", "combe", "dale", "holm", "field", "hurst"]
KINDS = ["County Council", "Borough Council", "City Council", "Metropolitan Borough Council"]
REGIONS = ["North East", "North West", "Yorkshire", "East Midlands", "West Midlands", "East", "London", "South East",
           "South West"]

COLUMNS = [
    "la_code", "la_name", "region",
    "fn_risk_assessment", "fn_strategy_discussion", "fn_needs_assessment", "fn_early_help_planning",
    "fn_family_support_signposting", "fn_multiagency_needs_discussion", "early_help_role", "needs_focus",
    "early_help_plan_frequency",
    "ag_police", "ag_health", "ag_education", "ag_probation", "ag_housing", "ag_adult_mental_health", "ag_early_help",
    "consent_practice", "consent_clarity", "workforce_stability", "agency_staff_share",
    "feedback_to_referrers", "multiagency_audit", "audit_frequency",
    "ft_early_help", "ft_consent", "ft_challenges",
]
SCALE = ["fn_needs_assessment", "fn_early_help_planning", "fn_family_support_signposting",
         "fn_multiagency_needs_discussion", "early_help_role", "needs_focus", "early_help_plan_frequency"]

EARLY_HELP_TEXT = {
    "risk": [
        "Early help is planned by the locality teams after the front door has screened for risk.",
        "We pass contacts below the threshold to the early help hub, which does its own assessment.",
        "The MASH decides on risk only; families are offered early help by a separate team.",
        "Contacts that do not meet the threshold are closed with advice to the referrer.",
    ],
    "hybrid": [
        "An early help worker joins the daily meeting twice a week and picks up some families.",
        "Where needs are clear we signpost to family hubs, but planning happens outside the front door.",
        "We discuss needs for some contacts and the early help coordinator follows up.",
        "Planning depends on who is on duty; sometimes we agree a lead professional at the front door.",
    ],
    "needs": [
        "Early help practitioners sit in the MASH and agree a plan with the family within five days.",
        "Every contact below the threshold is discussed by the multi-agency team and a lead professional is named.",
        "We hold a daily needs meeting with health, schools and family support to plan early help.",
        "The front door assesses needs as well as risk and books the first family support visit.",
    ],
}
INCONSISTENT_TEXT = [
    "We hold a weekly early help panel in the MASH and agree a plan and lead professional for each family.",
    "Our early help coordinator plans support with the family before the contact is closed.",
    "Families below the threshold are discussed with schools and health and an early help plan is made.",
]
CONSENT_TEXT = {
    "sought before sharing": ["We ask parents before any information is shared unless there is immediate risk.",
                              "Consent is sought by the referrer and checked by the duty social worker."],
    "sought unless it would increase risk": [
        "We seek consent unless asking would put the child at greater risk.",
        "Consent is the default but managers can override it when risk is unclear."],
    "not sought at the front door": [
        "Consent is not sought at the front door; information is shared under safeguarding duties.",
        "Partners share on the basis of legitimate interest and we record the reason."],
    "varies by agency": ["Each agency has its own rules on consent and this causes confusion.",
                         "Health asks for consent, police do not; we are writing a joint protocol."],
}
CHALLENGES = [
    "Recruiting and keeping experienced social workers.",
    "Volume of police notifications that do not need a social care response.",
    "Schools are not always available for the daily meeting.",
    "Capacity in early help services to take the families we refer.",
    "Confusion about consent among partner agencies.",
    "Feedback to referrers is slow because of caseloads.",
    "Getting health information quickly outside office hours.",
    "Agency staff turnover means decisions are inconsistent.",
]


def names(rng: random.Random) -> dict[int, str]:
    """A unique fictional name per LA number; the case-study sites keep their names."""
    taken = {n.lower() for n in CASE_SITES.values()}
    out = dict(CASE_SITES)
    for n in range(1, N + 1):
        if n in out:
            continue
        while True:
            stem = rng.choice(STEMS) + rng.choice(ENDINGS)
            if stem.lower() not in taken:
                taken.add(stem.lower())
                out[n] = stem
                break
    return {n: f"{name} {rng.choice(KINDS)}" for n, name in out.items()}


def yes(rng: random.Random, p: float) -> str:
    return "yes" if rng.random() < p else "no"


def likert(rng: random.Random, centre: float) -> str:
    return str(min(5, max(1, round(centre + rng.gauss(0, 0.7)))))


def pick(rng: random.Random, weights: dict) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def band(theta: float) -> str:
    return "risk" if theta < 0.4 else "hybrid" if theta < 0.7 else "needs"


def answers(rng: random.Random, theta: float) -> dict:
    roles = ("not involved", "consulted by phone or email", "part of the team")
    if rng.random() < 0.8:
        eh_role = roles[0] if theta < 0.3 else roles[1] if theta < 0.65 else roles[2]
    else:
        eh_role = pick(rng, {role: 1 for role in roles})
    row = {
        "fn_risk_assessment": yes(rng, 0.97),
        "fn_strategy_discussion": yes(rng, 0.8),
        "fn_needs_assessment": yes(rng, 0.1 + 0.9 * theta),
        "fn_early_help_planning": yes(rng, -0.1 + 1.05 * theta),
        "fn_family_support_signposting": yes(rng, 0.4 + 0.6 * theta),
        "fn_multiagency_needs_discussion": yes(rng, 0.05 + 0.9 * theta),
        "early_help_role": eh_role,
        "needs_focus": likert(rng, 1 + 4 * theta),
        "early_help_plan_frequency": likert(rng, 0.8 + 4 * theta),
        "ag_police": pick(rng, {"co-located": 85, "virtual": 15}),
        "ag_health": pick(rng, {"co-located": 60, "virtual": 35, "not involved": 5}),
        "ag_education": pick(rng, {"co-located": 25 + 30 * theta, "virtual": 50, "not involved": 15}),
        "ag_probation": pick(rng, {"co-located": 30, "virtual": 40, "not involved": 30}),
        "ag_housing": pick(rng, {"co-located": 10 + 20 * theta, "virtual": 45, "not involved": 40}),
        "ag_adult_mental_health": pick(rng, {"co-located": 10, "virtual": 40, "not involved": 50}),
        "ag_early_help": {"not involved": "not involved", "consulted by phone or email": "virtual",
                          "part of the team": "co-located"}[eh_role],
        "consent_practice": pick(rng, {"sought before sharing": 20, "sought unless it would increase risk": 45,
                                       "not sought at the front door": 20, "varies by agency": 15}),
        "consent_clarity": likert(rng, 2.8),
        "workforce_stability": likert(rng, 2.6 + theta),
        "agency_staff_share": pick(rng, {"under 10%": 40, "10-25%": 40, "over 25%": 20}),
        "feedback_to_referrers": yes(rng, 0.45 + 0.3 * theta),
        "multiagency_audit": yes(rng, 0.7),
    }
    row["audit_frequency"] = (pick(rng, {"monthly": 40, "quarterly": 45, "yearly": 15})
                              if row["multiagency_audit"] == "yes" else pick(rng, {"not audited": 80, "yearly": 20}))
    row["ft_early_help"] = rng.choice(EARLY_HELP_TEXT[band(theta)]) if rng.random() < 0.85 else ""
    row["ft_consent"] = rng.choice(CONSENT_TEXT[row["consent_practice"]]) if rng.random() < 0.7 else ""
    row["ft_challenges"] = rng.choice(CHALLENGES) if rng.random() < 0.75 else ""
    return row


HAND_WRITTEN = {
    # Ashdown: risk assessment only; early help sits elsewhere (score 1/7 = 0.1429, risk-focused).
    14: {"fn_needs_assessment": "no", "fn_early_help_planning": "no", "fn_family_support_signposting": "yes",
         "fn_multiagency_needs_discussion": "no", "early_help_role": "not involved", "needs_focus": "1",
         "early_help_plan_frequency": "1", "ag_early_help": "not involved",
         "ft_early_help": "The MASH screens for risk; families who need early help are referred on to the "
                          "locality teams."},
    # Bramwell: needs assessment and early help planning in the front door (score 6.75/7 = 0.9643).
    57: {"fn_needs_assessment": "yes", "fn_early_help_planning": "yes", "fn_family_support_signposting": "yes",
         "fn_multiagency_needs_discussion": "yes", "early_help_role": "part of the team", "needs_focus": "5",
         "early_help_plan_frequency": "4", "ag_early_help": "co-located",
         "ft_early_help": "Early help workers sit in the MASH and we agree a plan with the family at the daily "
                          "meeting."},
    # Corrington: some needs work, planning mostly outside (score 4.25/7 = 0.6071, hybrid).
    83: {"fn_needs_assessment": "yes", "fn_early_help_planning": "no", "fn_family_support_signposting": "yes",
         "fn_multiagency_needs_discussion": "yes", "early_help_role": "consulted by phone or email", "needs_focus": "3",
         "early_help_plan_frequency": "2", "ag_early_help": "virtual",
         "ft_early_help": "We talk about needs when the early help coordinator dials in, but plans are made in the "
                          "hubs."},
}


def generate() -> list[dict]:
    rng = random.Random(SEED)
    la_names = names(rng)
    regions = {n: rng.choice(REGIONS) for n in range(1, N + 1)}
    rows = []
    for n in range(1, N + 1):
        kind = pick(rng, {"risk": 35, "hybrid": 35, "needs": 30})
        draws = {"risk": rng.uniform(0.0, 0.38), "hybrid": rng.uniform(0.35, 0.72), "needs": rng.uniform(0.68, 1.0)}
        theta = draws[kind]
        row = {"la_code": f"LA{n:03d}", "la_name": la_names[n], "region": regions[n], **answers(rng, theta)}
        row.update(HAND_WRITTEN.get(n, {}))
        if n in INCONSISTENT:
            row["fn_early_help_planning"] = "no"
            row["ft_early_help"] = INCONSISTENT_TEXT[sorted(INCONSISTENT).index(n)]
        if n not in CASE_SITES:
            for column in COLUMNS[3:26]:
                draw = rng.random()
                if draw < 0.035:
                    row[column] = ""
                elif draw < 0.045:
                    row[column] = "don't know"
        if n in UNPLACED:
            for column in SCALE[:5]:
                row[column] = ""
            row["ft_early_help"] = ""
        rows.append(row)
    return rows


def write(target: Path) -> Path:
    """Write the survey as UTF-8 CSV with LF line ends."""
    with Path(target).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(generate())
    return Path(target)


if __name__ == "__main__":
    print(f"Wrote {write(Path(__file__).resolve().parent / 'survey.csv')}")
