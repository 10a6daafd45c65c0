"""`rasa data validate`, strict: any warning fails, except the one Rasa cannot know better.

Rasa warns that a response "is not used in any story or rule" when only a custom action sends it
(the "más" details, the fallback messages) and when a form sends it (`utter_ask_<slot>`). The
first are listed in actions/ (respuestas.py and each module's ENVIADAS), the second follow from
domain.yml's forms; both are allowed. Every other warning, or an unused response nobody
sends, fails the check.
"""

import re
import subprocess
import sys

import yaml

from actions.respuestas import enviadas_por_acciones
from scripts.model_cache import ROOT

UNUSED = re.compile(r"The utterance '(\w+)' is not used in any story or rule\.")
WARNING = re.compile(r"UserWarning: (.*)")


def main() -> int:
    result = subprocess.run(
        [sys.executable, "-m", "rasa", "data", "validate", "--fail-on-warnings"],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    warnings = WARNING.findall(result.stdout + result.stderr)
    problems = [w for w in warnings if not (_sent_by_an_action(w) or _retrieval_merge(w))]
    for problem in problems:
        print(f"validate: {problem}", file=sys.stderr)
    if result.returncode != 0:
        print(result.stdout[-3000:], result.stderr[-3000:], file=sys.stderr)
    ok = result.returncode == 0 and not problems
    print("rasa data validate: sin advertencias" if ok else "rasa data validate: FALLÓ")
    return 0 if ok else 1


def form_questions() -> set[str]:
    """`utter_ask_<slot>` for every slot a form asks for."""
    forms = yaml.safe_load((ROOT / "domain.yml").read_text()).get("forms") or {}
    return {f"utter_ask_{slot}" for form in forms.values() for slot in form["required_slots"]}


# Rasa builds a domain of its own for the retrieval intents found in the NLU data and merges it
# into domain.yml, which must list `faq` too (the validator wants it there): the merge warns that
# both name it. Only that exact warning, for the knowledge base's intent, is allowed.
RETRIEVAL_MERGE = (
    "The following duplicated intents have been found across multiple domain files: faq"
)


def _retrieval_merge(warning: str) -> bool:
    return warning.strip() == RETRIEVAL_MERGE


def _sent_by_an_action(warning: str) -> bool:
    match = UNUSED.search(warning)
    return bool(match) and match.group(1) in enviadas_por_acciones() | form_questions()


if __name__ == "__main__":
    sys.exit(main())
