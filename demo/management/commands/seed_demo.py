"""A realistic demo of a regional government: about 1,000 appeals over the last 60 days.

Idempotent: the organisation is found or created, and the appeals have fixed platform ids, so a
second run adds nothing. Every change goes through appeals.services, so the history is real.
"""

import random
import time
from datetime import timedelta

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from analytics import reports
from analytics.spikes import detect_spikes
from appeals import services
from appeals.models import Appeal
from demo import government as demo
from notifications import jobs
from notifications import services as notifications

# How many of the newest appeals on the Head's accounts nobody has routed yet (the triage queue).
FRESH = 8
GAZETTEER = settings.BASE_DIR / "data" / "gazetteers" / "khakassia.csv"
PLATFORM_URLS = {
    "vk": "https://vk.com/wall-{account}_{post}?reply={id}",
    "ok": "https://ok.ru/group/{account}/topic/{post}",
    "telegram": "https://t.me/{handle}/{id}",
    "instagram": "https://www.instagram.com/p/{id}/",
}
AUTHOR_URLS = {
    "vk": "https://vk.com/id{id}",
    "ok": "https://ok.ru/profile/{id}",
    "telegram": "",
    "instagram": "https://www.instagram.com/user{id}/",
}


class Command(BaseCommand):
    help = "Create a demo regional government with about 1,000 appeals (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--appeals", type=int, default=1000, help="How many appeals (default 1000).")
        parser.add_argument("--days", type=int, default=60, help="Spread them over this many days (default 60).")
        parser.add_argument("--if-empty", action="store_true", help="Do nothing if there are appeals already.")
        parser.add_argument("--seed", type=int, default=2019, help="Random seed (the same seed, the same demo).")

    def handle(self, *args, appeals, days, if_empty, seed, **options):
        # The region's settlements (idempotent, also into an existing demo): an appeal that names
        # a village finds its municipality.
        call_command("load_gazetteer", str(GAZETTEER), stdout=self.stdout, stderr=self.stderr)
        if if_empty and Appeal.objects.exists():
            self.stdout.write("The database already has appeals: the demo is not seeded again.")
            return
        started = time.monotonic()
        # Two generators, so that the appeals are the same whether or not the organisation existed.
        org = demo.ensure_organisation(random.Random(seed))
        rng = random.Random(seed + 1)
        now = timezone.now()
        plan = self.plan(rng, org, appeals, days, now)
        created = 0
        for start in range(0, len(plan), 100):
            # The seeded past is mailed to nobody; the last day's assignments leave their notice in
            # the admin (the bell), as they would have.
            with transaction.atomic(), notifications.quiet(in_admin_since=now - timedelta(days=1)):
                for item in plan[start : start + 100]:
                    # Each appeal's life has its own generator: skipping one never shifts the others.
                    created += self.live(random.Random(f"{seed}-{item['number']}"), org, item, now)
            self.stdout.write(f"  appeals: {min(start + 100, len(plan))}/{len(plan)}", ending="\r")
            self.stdout.flush()
        self.stdout.write("")
        # What beat would have done by now, as if everybody had been told then: nobody is mailed on
        # the first start about what was overdue when the demo was seeded. From now on beat's jobs
        # remind and escalate as they do, and `make run`'s worker delivers the notifications.
        flagged = jobs.flag_overdue(now, notify=False)
        jobs.remind_due_soon(now)
        jobs.escalate_overdue(now, notify=False)
        spikes = len(detect_spikes(now))
        reports.generate_due(now)
        demo.print_logins(self.stdout, org)
        open_count = Appeal.objects.open().count()
        overdue = Appeal.objects.overdue(now).count()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo ready: {len(org.ministries)} ministries, {Appeal.objects.count()} appeals "
                f"({created} new, {open_count} open, {overdue} overdue, {flagged} flagged now, spike alerts: {spikes}) "
                f"in {time.monotonic() - started:.1f} s."
            )
        )

    def plan(self, rng, org, count, days, now):
        """What arrives: topic, account, text and time of each appeal; spam among them."""
        # The last hours' burst (the demo's spike alert) is part of the count: 9 of 1,000.
        burst = demo.BURST_TEXTS[: count // 30]
        count -= len(burst)
        topics = [code for code, share in demo.TOPIC_SHARES for _ in range(round(count * share / 100))]
        topics = (topics + ["other"] * count)[:count]
        rng.shuffle(topics)
        plan = []
        for number, topic_code in enumerate(topics, start=1):
            spam = rng.random() < 0.03
            ministry_slug = self.ministry_for(rng, org, topic_code)
            where = rng.random()
            if where < 0.55:
                account = rng.choice(org.head_accounts)
            elif where < 0.85:
                account = org.groups[ministry_slug]
            else:
                account = org.pages[ministry_slug]
            age = timedelta(days=days) * (rng.random() ** 1.3)
            received = now - age
            if timezone.localtime(received).hour < 7 and received + timedelta(hours=8) < now:
                received += timedelta(hours=8)  # people write in the daytime
            text = rng.choice(demo.SPAM_TEXTS) if spam else demo.appeal_text(rng, topic_code)[0]
            plan.append(
                {
                    "number": number,
                    "topic": topic_code,
                    "spam": spam,
                    "ministry": ministry_slug,
                    "account": account,
                    "received": received,
                    "text": text,
                    "external_id": f"{number}{rng.randrange(1000, 9999)}",
                }
            )
        # The newest appeals on the Head's accounts have just arrived: the classifier decides their
        # topic, and those it is unsure of wait in the operators' triage queue (where they land).
        on_heads_accounts = [item for item in plan if item["account"] in org.head_accounts]
        for item in sorted(on_heads_accounts, key=lambda item: item["received"])[-FRESH:]:
            item["fresh"] = not item["spam"]
        # A burst of "no water in Chernogorsk" in the last hours: the spike alert of the demo.
        for offset, text in enumerate(burst):
            plan.append(
                {
                    "number": count + 1 + offset,
                    "topic": "housing_utilities_landscaping",
                    "spam": False,
                    "ministry": self.ministry_for(rng, org, "housing_utilities_landscaping"),
                    "account": rng.choice(org.head_accounts),
                    "received": now - timedelta(minutes=20 + 17 * offset),
                    "text": text,
                    "external_id": f"{count + 1 + offset}{rng.randrange(1000, 9999)}",
                }
            )
        plan.sort(key=lambda item: item["received"])
        return plan

    def ministry_for(self, rng, org, topic_code):
        ministry = org.topics[topic_code].default_ministry
        return ministry.slug if ministry else rng.choice(demo.OTHER_MINISTRIES)

    def live(self, rng, org, item, now) -> int:
        """Create one appeal and take it through its life up to now; return 1 if it was new."""
        account = item["account"]
        platform = account.platform
        author_id = rng.randrange(10_000_000, 900_000_000)
        external_id = item["external_id"]
        appeal, created = services.create_appeal(
            text=item["text"],
            account=account,
            external_id=external_id,
            received_at=item["received"],
            topic=None if item["spam"] or item.get("fresh") else org.topics[item["topic"]],
            now=item["received"],
            permalink=PLATFORM_URLS[platform].format(
                account=account.external_id, post=rng.randrange(1000, 9999), id=external_id, handle=account.handle
            ),
            author_name=demo.person_name(rng).rsplit(" ", 1)[0],
            author_external_id=str(author_id),
            author_url=AUTHOR_URLS[platform].format(id=author_id),
            written_at=item["received"] - timedelta(seconds=rng.randrange(5, 600)),
        )
        if not created:
            return 0
        if item.get("fresh"):
            return 1  # nobody has touched it yet
        operator = rng.choice(org.operators)
        ministry = org.ministries[item["ministry"]]
        head = org.heads[item["ministry"]]
        specialist = rng.choice(org.specialists[item["ministry"]])
        t = item["received"]

        def at(hours: float):
            nonlocal t
            t = t + timedelta(hours=hours)
            return t if t <= now else None

        if item["spam"]:
            if at(rng.uniform(0.2, 4)):
                reason = rng.choice(["spam", "spam", "not_appeal"])
                services.reject(appeal, reason=reason, actor=operator, now=t)
            return 1
        if appeal.ministry_id is None and at(rng.uniform(0.1, 3)):
            services.assign(appeal, ministry=ministry, actor=operator, now=t)
        elif appeal.ministry_id is None:
            return 1
        if not at(rng.uniform(0.3, 5)):
            return 1
        services.assign(appeal, official=specialist, actor=head.user, now=t)
        fate = rng.random()
        if fate < 0.03:
            if at(rng.uniform(0.5, 3)):
                services.reject(
                    appeal,
                    reason="not_appeal",
                    note="Вопрос не относится к компетенции ведомства",
                    actor=head.user,  # rejecting is the head's call
                    now=t,
                )
            return 1
        if not at(rng.uniform(0.1, 3)):
            return 1
        services.start_work(appeal, actor=specialist.user, now=t)
        if rng.random() < 0.07 and at(rng.uniform(0.5, 4)):
            services.ask_citizen(
                appeal, question=rng.choice(demo.CLARIFICATION_QUESTIONS), actor=specialist.user, now=t
            )
            if not at(rng.uniform(4, 40)):
                return 1
            services.start_work(appeal, actor=specialist.user, now=t)
        if rng.random() < 0.08 and at(rng.uniform(0.5, 6)):
            fresh = Appeal.objects.get(pk=appeal.pk)
            services.extend(
                appeal,
                due_at=max(fresh.due_at, t) + timedelta(days=rng.randint(3, 10)),
                reason=rng.choice(demo.EXTENSION_REASONS),
                actor=head.user,
                now=t,
            )
        if fate < 0.06:
            return 1  # forgotten: stays open, and overdue once its deadline passes
        hours_to_answer = rng.uniform(2, 20) if fate < 0.78 else rng.uniform(26, 90)
        target = item["received"] + timedelta(hours=hours_to_answer)
        if target > t:
            t = target
        else:
            at(0.5)
        if t <= now:
            answer = rng.choice(demo.ANSWERS[item["topic"]])
            place = demo.PLACES[rng.choice(list(demo.PLACES))][0]
            services.resolve(
                appeal, answer=answer.format(place=place), answer_url=appeal.permalink, actor=specialist.user, now=t
            )
        return 1
