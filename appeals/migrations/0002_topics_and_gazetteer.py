"""The source's five topics and the Republic of Khakassia's gazetteer: the data a new installation
starts with (operators edit both in the admin; ``load_gazetteer`` loads another region's)."""

from django.db import migrations

# The source's five topics, with their share of appeals in the Republic of Khakassia (2019).
TOPICS = [
    ("housing_utilities_landscaping", "ЖКХ и благоустройство", 1),
    ("waste_reform", "Мусорная реформа", 2),
    ("roads_transport", "Дороги и транспорт", 3),
    ("ecology", "Экология", 4),
    ("other", "Прочее", 5),
]

# Five cities and eight districts. Each pattern finds the name in any grammatical case; a district
# also by its centre ("с. Аскиз", "пгт Усть-Абакан").
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
    Topic = apps.get_model("appeals", "Topic")
    for code, name, position in TOPICS:
        Topic.objects.get_or_create(code=code, defaults={"name": name, "position": position, "sla_hours": 24})
    Municipality = apps.get_model("appeals", "Municipality")
    for name, kind, patterns in GAZETTEER:
        Municipality.objects.get_or_create(name=name, defaults={"kind": kind, "patterns": "\n".join(patterns)})


def unload(apps, schema_editor):
    apps.get_model("appeals", "Municipality").objects.filter(name__in=[n for n, _, _ in GAZETTEER]).delete()
    codes = [code for code, _, _ in TOPICS]
    apps.get_model("appeals", "Topic").objects.filter(code__in=codes, appeals__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("appeals", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
