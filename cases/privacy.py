"""Hiding children's identities from viewers outside the handling school and county.

The party table masks names (``mask_name``); free text written by staff (the summary,
the reasoning, notes) may still name a child, so for those viewers every party's full
name and student number in it is replaced too. Best effort: a nickname or pinyin spelling
is not caught, which is why the forms remind staff not to write names in free text.
"""

import re
from collections.abc import Iterable

from cases.models import Party, mask_name


class Redactor:
    """Replaces the parties' full names and student numbers in free text.

    Names of one character are left alone: replacing a single character everywhere
    would mangle ordinary words, and such a name is masked in the party table anyway.
    """

    def __init__(self, parties: Iterable[Party], *, active: bool):
        self.active = active
        pairs: dict[str, str] = {}
        if active:
            for party in parties:
                name = (party.name or "").strip()
                if len(name) >= 2:
                    pairs[name] = mask_name(name)
                if len(party.student_no or "") >= 4:
                    pairs[party.student_no] = "*" * len(party.student_no)
        # Longest first, so "欧阳小明" is replaced before "欧阳".
        self._pairs = pairs
        self._pattern = (
            re.compile("|".join(re.escape(k) for k in sorted(pairs, key=len, reverse=True))) if pairs else None
        )

    def __call__(self, text: str) -> str:
        if not text or self._pattern is None:
            return text or ""
        return self._pattern.sub(lambda m: self._pairs[m.group(0)], text)

    def name(self, party: Party | None) -> str:
        if party is None:
            return ""
        return party.masked_name if self.active else party.name
