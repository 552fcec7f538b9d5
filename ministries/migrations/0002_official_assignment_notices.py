from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("ministries", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="official",
            name="assignment_notices",
            field=models.CharField(
                choices=[("each", "at once, one message per appeal"), ("digest", "once a day, in the morning digest")],
                default="each",
                help_text="The notice in the admin always comes at once.",
                max_length=16,
                verbose_name="new appeals by e-mail and Telegram",
            ),
        ),
    ]
