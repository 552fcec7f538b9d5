"""A region's gazetteer (``data/gazetteers/*.csv``) from Rosstat's open data of OKTMO, the
official classifier of municipal territories (ОК 033-2013, published as data-YYYYMMDD-
structure-20150128.csv: ``"TER";"KOD1";"KOD2";"KOD3";"KC";"RAZDEL";"NAME1";"Centrum";...``).

Section 1 names the municipalities (KOD1 600–699 municipal districts, 700–799 urban okrugs,
800–899 municipal okrugs), section 2 the settlements of each («с Сарала», «рп Усть-Абакан»).
``manage.py oktmo_gazetteer FILE --region 95`` writes the region's CSV for ``load_gazetteer``.
"""

import csv
import io
from collections.abc import Iterable, Iterator
from pathlib import Path

# Settlements' kinds as OKTMO abbreviates them, in full.
KINDS = {
    "г": "город",
    "пгт": "посёлок городского типа",
    "рп": "рабочий посёлок",
    "кп": "курортный посёлок",
    "дп": "дачный посёлок",
    "с": "село",
    "д": "деревня",
    "п": "посёлок",
    "х": "хутор",
    "сл": "слобода",
    "ст": "станция",
    "ст-ца": "станица",
    "аал": "аал",
    "аул": "аул",
    "у": "улус",
    "м": "местечко",
    "нп": "населённый пункт",
    "рзд": "разъезд",
}
ANNULLED = "1"  # the «Status» of a position taken out of the classifier
COLUMNS = ["name", "kind", "municipality", "oktmo", "fias_id"]


def read(path: str | Path) -> list[list[str]]:
    """The file's records; Rosstat publishes it in Windows-1251, a re-saved copy may be UTF-8."""
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1251")
    return [row for row in csv.reader(io.StringIO(text), delimiter=";") if len(row) >= 7]


def gazetteer_rows(records: Iterable[list[str]], region: str) -> Iterator[dict]:
    """The region's municipalities, then their settlements, as rows of a gazetteer's CSV."""
    records = [r for r in records if r[0] == region and (len(r) < 11 or r[10] != ANNULLED)]
    municipalities = {}
    for ter, kod1, kod2, kod3, _kc, section, name, *_ in records:
        # KOD1 600, 700 and 800 head the groups («Муниципальные районы …»); the others are municipalities.
        if section == "1" and kod2 == kod3 == "000" and "600" < kod1 < "900" and not kod1.endswith("00"):
            kind = "городской округ" if "700" <= kod1 < "800" else "муниципальный район"
            if kod1 >= "800":
                kind = "муниципальный округ"
            municipalities[kod1] = (municipal_name(name), kind, f"{ter}{kod1}000")
    for municipality, kind, code in municipalities.values():
        yield {"name": municipality, "kind": kind, "municipality": municipality, "oktmo": code, "fias_id": ""}
    for ter, kod1, kod2, kod3, _kc, section, name, *_ in records:
        if section != "2" or kod3 == "000" or kod1 not in municipalities:
            continue
        kind, settlement = settlement_name(name)
        if settlement:
            municipality = municipalities[kod1][0]
            yield {"name": settlement, "kind": kind, "municipality": municipality, "oktmo": f"{ter}{kod1}{kod2}{kod3}"}


def municipal_name(name: str) -> str:
    """«Аскизский муниципальный район» → Аскизский, «- город Абакан» → Абакан."""
    name = name.strip().lstrip("- ").strip()
    for prefix in ("городской округ город ", "городской округ ", "город "):
        if name.startswith(prefix):
            name = name[len(prefix) :]
    for suffix in (" муниципальный район", " муниципальный округ", " городской округ"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    return name.strip()


def settlement_name(name: str) -> tuple[str, str]:
    """(kind, name): «с Сарала» → (село, Сарала); the kind is the lower-case words before the name."""
    words = name.split()
    at = next((i for i, word in enumerate(words) if word[:1].isupper() or word[:1].isdigit()), len(words))
    kind = " ".join(words[:at])
    return KINDS.get(kind, kind), " ".join(words[at:])


def write(rows: Iterable[dict], out) -> int:
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n", extrasaction="ignore", restval="")
    writer.writeheader()
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    return count
