"""Urgency: turn exact posteriors and red-flag answers into a triage level.

Three levels, as in symptom-checker studies: ``emergency`` (go to an emergency
department now), ``see_doctor`` (book a doctor's visit) and ``self_care``. The policy
lives in the knowledge base (``[triage]`` in ``triage.toml``), each threshold, rule and
flag with its source. The level of a case is the most urgent of:

1. every **cause rule** that fires: ``P(cause | answers) >= p`` and every ``when``
   answer holds (for example an epidural abscess at 10%, a kidney infection at 30%
   with fever: emergency; ankylosing spondylitis at 20%: see a doctor);
2. every **flag** that matches the answers (for example saddle numbness, a
   cauda-equina sign: emergency; weakness alone: see a doctor). An unsure answer
   (soft evidence) counts as the state it leans to (``saddle_numbness=0.8``: yes),
   for flags and for the ``when`` of cause rules alike: a flag screens what the
   person reports;
3. ``see_doctor`` when P(at least one serious cause) reaches ``see_doctor_p_serious``
   or P(at least one pathologic cause) reaches ``see_doctor_p_pathologic`` (and, in a
   policy that declares one, ``emergency`` when P(serious) reaches the optional
   ``emergency_p_serious``);
4. otherwise ``self_care``.

A ``see_doctor`` flag or cause rule may say how soon, in hours (``within_hours``, from
its source: NICE CG75 asks that a person with cancer and spinal pain suggestive of
metastases be discussed within 24 hours). A case's timeframe is the smallest among
those that apply to it (:func:`triage_within_hours`), and every view says the level
with it through :func:`triage_advice`: "see a doctor within 24 hours", otherwise
"see a doctor soon".

``red_flags`` names what drove an emergency, each answer written ``node=state`` (the
form of a scored file's ``red_flags`` column): the answers of the matching emergency
flags, each emergency cause rule that fired (``"Epidural abscess 54.3% (>= 10%)"``) and,
where no flag had already set the emergency, the positive answers (a symptom present,
not a denial) whose withholding lowers that cause's probability the most (each at
least doubling its odds), found with exact batched queries. What set any level, for
a person (:func:`triage_explained`, said by :func:`triage_reason_words` in the words
every view shows), reads in one style whatever the level: each matching flag by its
name, which says the answers and what they may mean ("Saddle numbness (a warning
sign of cauda equina syndrome)", "Age 65 or over (a higher risk of fracture and
cancer)"), one cause rule per cause, the group thresholds reached and an
emergency's driving answers. A person sent home gets a :func:`safety_net`: the
red-flag questions that should bring them back, in plain words.

Modules, in import order: :mod:`~backspasm.triage.policy` (the policy of a network),
:mod:`~backspasm.triage.matching` (answers against flags and rules, and their words),
:mod:`~backspasm.triage.drivers` (the answers that drove an emergency),
:mod:`~backspasm.triage.levels` (:func:`triage_cases`, and its parts
:func:`triage_batch`, :func:`triage_explained`, :func:`triage_within_hours`) and
:mod:`~backspasm.triage.safety` (:func:`safety_net`).
"""

from __future__ import annotations

from backspasm.triage.levels import (
    Triage,
    triage_batch,
    triage_cases,
    triage_explained,
    triage_within_hours,
)
from backspasm.triage.policy import (
    EMERGENCY_HOLDS,
    TRIAGE_ADVICE,
    TRIAGE_LEVELS,
    policy_of,
    screen_nodes,
    timeframe_words,
    triage_advice,
    triage_reason_text,
    triage_reason_words,
)
from backspasm.triage.safety import (
    GAIN_RANK,
    SAFETY_NET_HEADING,
    SCREEN_NOT_FINISHED,
    closed_screen,
    emergency_nodes,
    interview_rank,
    level_so_far,
    paired_screen_nodes,
    safety_net,
    screen_questions,
    self_care_unscreened,
    unanswered_screen,
)

__all__ = [
    "EMERGENCY_HOLDS",
    "GAIN_RANK",
    "SAFETY_NET_HEADING",
    "SCREEN_NOT_FINISHED",
    "TRIAGE_ADVICE",
    "TRIAGE_LEVELS",
    "Triage",
    "closed_screen",
    "emergency_nodes",
    "interview_rank",
    "level_so_far",
    "paired_screen_nodes",
    "policy_of",
    "safety_net",
    "screen_nodes",
    "screen_questions",
    "self_care_unscreened",
    "timeframe_words",
    "triage_advice",
    "triage_batch",
    "triage_cases",
    "triage_explained",
    "triage_reason_text",
    "triage_reason_words",
    "triage_within_hours",
    "unanswered_screen",
]
