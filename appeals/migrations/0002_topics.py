from django.db import migrations

# The source's five topics, with their share of appeals in the Republic of Khakassia (2019).
TOPICS = [
    ("housing_utilities_landscaping", "ЖКХ и благоустройство", 1),
    ("waste_reform", "Мусорная реформа", 2),
    ("roads_transport", "Дороги и транспорт", 3),
    ("ecology", "Экология", 4),
    ("other", "Прочее", 5),
]


def create_topics(apps, schema_editor):
    Topic = apps.get_model("appeals", "Topic")
    for code, name, position in TOPICS:
        Topic.objects.get_or_create(code=code, defaults={"name": name, "position": position, "sla_hours": 24})


def delete_topics(apps, schema_editor):
    Topic = apps.get_model("appeals", "Topic")
    Topic.objects.filter(code__in=[code for code, _, _ in TOPICS], appeals__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("appeals", "0001_initial")]

    operations = [migrations.RunPython(create_topics, delete_topics)]
