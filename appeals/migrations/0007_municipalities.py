from django.db import migrations

# The Republic of Khakassia: five cities and eight districts. Each pattern finds the name in any
# grammatical case; a district also by its centre ("с. Аскиз", "пгт Усть-Абакан").
GAZETTEER = [
    ("Абакан", "city", [r"(?<![\w-])абакан(?!ск)\w{0,3}\b"]),
    ("Черногорск", "city", [r"\bчерногорск(?!ий|ого|ому|ом\b)\w{0,3}\b"]),
    ("Саяногорск", "city", [r"\bсаяногорск(?!ий|ого|ому)\w{0,3}\b"]),
    ("Абаза", "city", [r"\bабаз(?:а|е|ы|у|ой|ою)\b"]),
    ("Сорск", "city", [r"\bсорск(?:е|а|ом|у)?\b"]),
    ("Алтайский", "district", [r"\bалтайск\w{0,3}\s+(?:район|р-н)", r"\bбел(?:ый|ом|ого)\s+яр\w?\b"]),
    ("Аскизский", "district", [r"\bаскиз\w{0,5}\b"]),
    ("Бейский", "district", [r"\bбейск\w{0,3}\s+(?:район|р-н)", r"\bс\.\s*бея\b"]),
    ("Боградский", "district", [r"\bбоград\w{0,5}\b"]),
    ("Орджоникидзевский", "district", [r"\bорджоникидзевск\w{0,3}\b", r"\bкопь[её]в\w{0,2}\b"]),
    ("Таштыпский", "district", [r"\bташтып\w{0,5}\b"]),
    ("Усть-Абаканский", "district", [r"\bусть-абакан\w{0,5}\b"]),
    ("Ширинский", "district", [r"\bширинск\w{0,3}\b", r"\bжемчужн\w{0,3}\b", r"\bс\.\s*шира\b"]),
]


def load(apps, schema_editor):
    Municipality = apps.get_model("appeals", "Municipality")
    for name, kind, patterns in GAZETTEER:
        Municipality.objects.get_or_create(name=name, defaults={"kind": kind, "patterns": "\n".join(patterns)})


def unload(apps, schema_editor):
    apps.get_model("appeals", "Municipality").objects.filter(name__in=[n for n, _, _ in GAZETTEER]).delete()


class Migration(migrations.Migration):
    dependencies = [("appeals", "0006_routing")]

    operations = [migrations.RunPython(load, unload)]
