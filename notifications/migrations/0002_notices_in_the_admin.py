import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="read_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="read at"),
        ),
        migrations.AddField(
            model_name="notification",
            name="sent_with",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="notifications.notification",
                verbose_name="sent in one message with",
            ),
        ),
        migrations.AlterField(
            model_name="notification",
            name="channel",
            field=models.CharField(
                choices=[("email", "e-mail"), ("telegram", "Telegram"), ("admin", "in the admin")],
                default="email",
                max_length=16,
                verbose_name="channel",
            ),
        ),
        migrations.AlterField(
            model_name="notification",
            name="kind",
            field=models.CharField(
                choices=[
                    ("due_soon", "deadline soon"),
                    ("overdue", "overdue"),
                    ("escalation", "escalation"),
                    ("digest", "morning digest"),
                    ("spike", "spike in appeals"),
                    ("assigned", "appeal assigned"),
                ],
                max_length=16,
                verbose_name="kind",
            ),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(
                condition=models.Q(("channel", "admin"), ("read_at__isnull", True)),
                fields=["recipient_user", "-created_at"],
                name="notification_unread_idx",
            ),
        ),
    ]
