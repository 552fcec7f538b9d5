"""Factories for the tests: the state a test starts from, without going through the services."""

from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from appeals.models import Appeal, AppealEvent
from ministries.models import Ministry, Official, SocialAccount


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Иван"
    last_name = factory.Sequence(lambda n: f"Тестов{n}")
    password = factory.django.Password("correct horse battery staple")


class MinistryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ministry

    name = factory.Sequence(lambda n: f"Министерство №{n}")
    short_name = factory.Sequence(lambda n: f"Мин{n}")
    slug = factory.Sequence(lambda n: f"min{n}")


class OfficialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Official

    ministry = factory.SubFactory(MinistryFactory)
    full_name = factory.Sequence(lambda n: f"Петров Пётр {n}")
    position = "Специалист"
    role = Official.Role.SPECIALIST


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SocialAccount

    platform = SocialAccount.Platform.VK
    external_id = factory.Sequence(lambda n: str(1000 + n))
    handle = factory.Sequence(lambda n: f"group{n}")
    title = factory.Sequence(lambda n: f"Сообщество {n}")
    kind = SocialAccount.Kind.HEAD


class AppealFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Appeal

    account = factory.SubFactory(AccountFactory)
    external_id = factory.Sequence(lambda n: f"msg{n}")
    author_name = "Анна Кызласова"
    text = "Во дворе по ул. Ленина, 45 третий день нет горячей воды."
    received_at = factory.LazyFunction(timezone.now)
    due_at = factory.LazyAttribute(lambda o: o.received_at + timedelta(hours=24))
    status = Appeal.Status.NEW


class AppealEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AppealEvent

    appeal = factory.SubFactory(AppealFactory)
    kind = AppealEvent.Kind.COMMENTED
