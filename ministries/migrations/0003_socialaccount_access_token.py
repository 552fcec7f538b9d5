import ministries.tokens
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("ministries", "0002_official_assignment_notices"),
    ]

    operations = [
        migrations.AddField(
            model_name="socialaccount",
            name="access_token",
            field=ministries.tokens.EncryptedTextField(blank=True, verbose_name="access token"),
        ),
    ]
