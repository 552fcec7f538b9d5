from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .tokens import EncryptedTextField


class Approval(models.TextChoices):
    """Who approves an answer before it is published (per ministry, per account)."""

    NONE = "none", _("no approval")
    PRESS_SERVICE = "press_service", _("the press service")
    HEAD = "head", _("the ministry's head")


class Ministry(models.Model):
    """A ministry or agency of the regional government (ведомство)."""

    name = models.CharField(_("name"), max_length=255, unique=True)
    short_name = models.CharField(_("short name"), max_length=64, blank=True)
    slug = models.SlugField(_("slug"), max_length=64, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    head = models.ForeignKey(
        "Official",
        verbose_name=_("head"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    email = models.EmailField(_("notification e-mail"), blank=True)
    answer_approval = models.CharField(
        _("answers are approved by"),
        max_length=16,
        choices=Approval,
        default=Approval.NONE,
        help_text=_("Who approves the answers to this ministry's appeals before they are published."),
    )

    class Meta:
        verbose_name = _("ministry")
        verbose_name_plural = _("ministries")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.short_name or self.name


class AssignmentNotices(models.TextChoices):
    """How an official is told by e-mail and Telegram that an appeal reached them or their ministry."""

    EACH = "each", _("at once, one message per appeal")
    DIGEST = "digest", _("once a day, in the morning digest")


class Official(models.Model):
    """A person in a ministry: its head, a deputy or a specialist (должностное лицо)."""

    class Role(models.TextChoices):
        HEAD = "head", _("head")
        DEPUTY = "deputy", _("deputy head")
        SPECIALIST = "specialist", _("specialist")

    ministry = models.ForeignKey(
        Ministry, verbose_name=_("ministry"), on_delete=models.PROTECT, related_name="officials"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="official",
    )
    full_name = models.CharField(_("full name"), max_length=255)
    position = models.CharField(_("position"), max_length=255, blank=True)
    role = models.CharField(_("role"), max_length=16, choices=Role, default=Role.SPECIALIST)
    email = models.EmailField(_("e-mail"), blank=True)
    telegram_chat_id = models.CharField(
        _("Telegram chat id"),
        max_length=64,
        blank=True,
        help_text=_("Reminders also go to this chat through the government's Telegram bot."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    assignment_notices = models.CharField(
        _("new appeals by e-mail and Telegram"),
        max_length=16,
        choices=AssignmentNotices,
        default=AssignmentNotices.EACH,
        help_text=_("The notice in the admin always comes at once."),
    )

    class Meta:
        verbose_name = _("official")
        verbose_name_plural = _("officials")
        ordering = ["full_name"]
        indexes = [models.Index(fields=["ministry", "full_name"], name="official_ministry_name_idx")]

    def __str__(self) -> str:
        return self.full_name

    @property
    def short_name(self) -> str:
        """ "Павлова Наталья Николаевна" → "Павлова Н. Н." """
        surname, *names = self.full_name.split()
        return " ".join([surname, *(f"{name[0]}." for name in names)])


class SocialAccount(models.Model):
    """A place where appeals arrive: the Head's account, an official's page, a ministry group."""

    class Platform(models.TextChoices):
        VK = "vk", _("VK")
        OK = "ok", _("Odnoklassniki")
        TELEGRAM = "telegram", _("Telegram")
        INSTAGRAM = "instagram", _("Instagram")
        FACEBOOK = "facebook", _("Facebook")
        TWITTER = "twitter", _("Twitter")

    class Kind(models.TextChoices):
        HEAD = "head", _("the Head's account")
        OFFICIAL_PERSONAL = "official_personal", _("official's personal account")
        OFFICIAL_PAGE = "official_page", _("official page")
        MINISTRY_GROUP = "ministry_group", _("ministry group")

    platform = models.CharField(_("platform"), max_length=16, choices=Platform)
    external_id = models.CharField(
        _("platform id"), max_length=128, help_text=_("The platform's id of the group, page or bot.")
    )
    handle = models.CharField(_("handle"), max_length=128, blank=True)
    title = models.CharField(_("title"), max_length=255, blank=True)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind)
    ministry = models.ForeignKey(
        Ministry,
        verbose_name=_("ministry"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="accounts",
    )
    official = models.ForeignKey(
        Official,
        verbose_name=_("official"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="accounts",
    )
    webhook_secret = models.CharField(_("webhook secret"), max_length=255, blank=True)
    confirmation_code = models.CharField(_("confirmation code"), max_length=64, blank=True)
    # What answers are published with (VK community token, bot token, page token): encrypted at
    # rest (ministries.tokens), write-only in the admin and the API.
    access_token = EncryptedTextField(_("access token"), blank=True)
    answer_approval = models.CharField(
        _("answers are approved by"),
        max_length=16,
        choices=Approval,
        blank=True,
        help_text=_("Empty: the press service for the Head's accounts, otherwise as the appeal's ministry says."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("social account")
        verbose_name_plural = _("social accounts")
        ordering = ["platform", "handle"]
        constraints = [
            models.UniqueConstraint(fields=["platform", "external_id"], name="socialaccount_platform_external_id_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.get_platform_display()}: {self.title or self.handle or self.external_id}"

    @property
    def url(self) -> str:
        """A link to the account on its platform, where the platform has public pages."""
        if not self.handle:
            return ""
        base = {
            self.Platform.VK: "https://vk.com/",
            self.Platform.OK: "https://ok.ru/",
            self.Platform.TELEGRAM: "https://t.me/",
            self.Platform.INSTAGRAM: "https://www.instagram.com/",
            self.Platform.FACEBOOK: "https://www.facebook.com/",
            self.Platform.TWITTER: "https://x.com/",
        }[self.platform]
        return base + self.handle
