"""How the interface names each model in a sentence.

Django's admin puts a model's ``verbose_name`` into its sentences as is: "Add %s", "The {name}
“{obj}” was added successfully.", "%(count)s %(name)s were changed", "0 of 11 selected". Russian
needs the name in the right case («Добавить тематику»), the verb in the name's gender
(«Тематика «Экология» добавлена», «Обращение №1002 сохранено») and the noun in the form that goes
with the number («1 тематика», «2 тематики», «5 тематик»). gettext carries words, not grammar, so
this table holds each model's Russian forms; the sentences themselves are gettext strings with the
gender as their context (``pgettext``), and the number's form is chosen by the catalogue's own
plural rule, as ``ngettext`` chooses it. ``govfeedback.admin_texts`` uses them for every model the
admin site registers; a model without an entry (or another language) keeps Django's texts.
"""

from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.translation import get_language, trans_real

MASCULINE, FEMININE, NEUTER = "masculine", "feminine", "neuter"
PLURAL = "plural"  # a name that has no singular: «настройки распределения сохранены»


@dataclass(frozen=True)
class Name:
    gender: str  # the sentences that agree with the name are told apart by it (pgettext's context)
    nominative: str  # «тематика» (the translated verbose_name)
    accusative: str  # «Добавить тематику», «Выберите тематику»
    genitive: str  # «из 1 тематики»
    counted: tuple[str, str, str]  # after a number: 1 тематика, 2 тематики, 5 тематик
    accusative_plural: str  # «Удалить выбранные тематики»

    def count(self, number: int) -> str:
        """«0 обращений», «1 обращение», «22 обращения»: the number and the name in its form."""
        return f"{number_format(number, force_grouping=True)} {self.counted[plural_index(number)]}"

    def for_count(self, number: int) -> str:
        """The name alone in the form that goes with the number."""
        return self.counted[plural_index(number)]


def plural_index(number: int) -> int:
    """Which of the three forms (one, few, many) goes with the number, by the plural rule of the
    active language's catalogue (Plural-Forms, what ``ngettext`` uses); Russian's fourth form (for
    fractions) is the second one."""
    index = trans_real.translation(get_language() or "ru").plural(number)
    return min(index, 1) if index > 2 else index


# verbose_name → its forms, by the model's label. Only Russian has forms here.
RUSSIAN = {
    "appeals.appeal": Name(
        NEUTER, "обращение", "обращение", "обращения", ("обращение", "обращения", "обращений"), "обращения"
    ),
    "appeals.topic": Name(
        FEMININE, "тематика", "тематику", "тематики", ("тематика", "тематики", "тематик"), "тематики"
    ),
    "appeals.municipality": Name(
        NEUTER,
        "муниципальное образование",
        "муниципальное образование",
        "муниципального образования",
        ("муниципальное образование", "муниципальных образования", "муниципальных образований"),
        "муниципальные образования",
    ),
    "appeals.routingrule": Name(
        NEUTER,
        "правило распределения",
        "правило распределения",
        "правила распределения",
        ("правило распределения", "правила распределения", "правил распределения"),
        "правила распределения",
    ),
    "appeals.appealevent": Name(
        NEUTER,
        "событие истории",
        "событие истории",
        "события истории",
        ("событие истории", "события истории", "событий истории"),
        "события истории",
    ),
    "appeals.appealmessage": Name(
        NEUTER, "сообщение", "сообщение", "сообщения", ("сообщение", "сообщения", "сообщений"), "сообщения"
    ),
    "appeals.inboundevent": Name(
        NEUTER,
        "входящее событие",
        "входящее событие",
        "входящего события",
        ("входящее событие", "входящих события", "входящих событий"),
        "входящие события",
    ),
    "appeals.settlement": Name(
        MASCULINE,
        "населённый пункт",
        "населённый пункт",
        "населённого пункта",
        ("населённый пункт", "населённых пункта", "населённых пунктов"),
        "населённые пункты",
    ),
    "appeals.answertemplate": Name(
        MASCULINE,
        "шаблон ответа",
        "шаблон ответа",
        "шаблона ответа",
        ("шаблон ответа", "шаблона ответа", "шаблонов ответа"),
        "шаблоны ответа",
    ),
    "appeals.publication": Name(
        FEMININE, "публикация", "публикацию", "публикации", ("публикация", "публикации", "публикаций"), "публикации"
    ),
    "appeals.routingmodelversion": Name(
        FEMININE,
        "версия модели распределения",
        "версию модели распределения",
        "версии модели распределения",
        ("версия модели распределения", "версии модели распределения", "версий модели распределения"),
        "версии модели распределения",
    ),
    "appeals.routingsettings": Name(
        PLURAL,
        "настройки распределения",
        "настройки распределения",
        "настроек распределения",
        ("настройки распределения", "настройки распределения", "настроек распределения"),
        "настройки распределения",
    ),
    "ministries.ministry": Name(
        NEUTER, "ведомство", "ведомство", "ведомства", ("ведомство", "ведомства", "ведомств"), "ведомства"
    ),
    "ministries.official": Name(
        NEUTER,
        "должностное лицо",
        "должностное лицо",
        "должностного лица",
        ("должностное лицо", "должностных лица", "должностных лиц"),
        "должностные лица",
    ),
    "ministries.socialaccount": Name(
        MASCULINE, "аккаунт", "аккаунт", "аккаунта", ("аккаунт", "аккаунта", "аккаунтов"), "аккаунты"
    ),
    "audit.accesslog": Name(
        FEMININE,
        "запись журнала доступа",
        "запись журнала доступа",
        "записи журнала доступа",
        ("запись журнала доступа", "записи журнала доступа", "записей журнала доступа"),
        "записи журнала доступа",
    ),
    "analytics.spikealert": Name(
        NEUTER,
        "оповещение о всплеске",
        "оповещение о всплеске",
        "оповещения о всплеске",
        ("оповещение о всплеске", "оповещения о всплесках", "оповещений о всплесках"),
        "оповещения о всплесках",
    ),
    "analytics.weeklyreport": Name(
        MASCULINE,
        "еженедельный отчёт",
        "еженедельный отчёт",
        "еженедельного отчёта",
        ("еженедельный отчёт", "еженедельных отчёта", "еженедельных отчётов"),
        "еженедельные отчёты",
    ),
    "analytics.dashboardsnapshot": Name(
        MASCULINE,
        "снимок показателей",
        "снимок показателей",
        "снимка показателей",
        ("снимок показателей", "снимка показателей", "снимков показателей"),
        "снимки показателей",
    ),
    "notifications.notification": Name(
        NEUTER,
        "уведомление",
        "уведомление",
        "уведомления",
        ("уведомление", "уведомления", "уведомлений"),
        "уведомления",
    ),
    "auth.user": Name(
        MASCULINE,
        "пользователь",
        "пользователя",
        "пользователя",
        ("пользователь", "пользователя", "пользователей"),
        "пользователей",
    ),
    "auth.group": Name(FEMININE, "группа", "группу", "группы", ("группа", "группы", "групп"), "группы"),
    "knox.authtoken": Name(MASCULINE, "токен", "токен", "токена", ("токен", "токена", "токенов"), "токены"),
    "axes.accessattempt": Name(
        FEMININE,
        "попытка доступа",
        "попытку доступа",
        "попытки доступа",
        ("попытка доступа", "попытки доступа", "попыток доступа"),
        "попытки доступа",
    ),
    "axes.accesslog": Name(
        FEMININE,
        "запись журнала входов",
        "запись журнала входов",
        "записи журнала входов",
        ("запись журнала входов", "записи журнала входов", "записей журнала входов"),
        "записи журнала входов",
    ),
    "axes.accessfailurelog": Name(
        FEMININE,
        "неудачная попытка входа",
        "неудачную попытку входа",
        "неудачной попытки входа",
        ("неудачная попытка входа", "неудачные попытки входа", "неудачных попыток входа"),
        "неудачные попытки входа",
    ),
}


def of(model) -> Name | None:
    """The forms of a model's (or an instance's) name in the active language, if it has them."""
    if not (get_language() or "").startswith("ru"):
        return None
    return RUSSIAN.get(model._meta.label_lower)
