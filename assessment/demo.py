"""Demo data: users to log in with, loaded by ``assessment demo`` and ``make run``.

Idempotent: running it again adds nothing that is already there. It grows as the
product does (clients, rounds and answers come with the collection feature).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from .store import users

DEMO_PASSWORD = "partnership-demo"


@dataclass(frozen=True)
class DemoUser:
    email: str
    name: str
    role: str


DEMO_USERS = (
    DemoUser("admin@demo.example", "Ada Admin", "admin"),
    DemoUser("lead@demo.example", "Lin Lead", "lead"),
    DemoUser("member@demo.example", "Max Member", "member"),
)


def load_demo(db: Database) -> list[str]:
    """Create what is missing; returns a line per thing created."""
    created = []
    with db.atomic():
        for demo in DEMO_USERS:
            if users.find_by_email(db, demo.email) is None:
                users.create_user(
                    db, email=demo.email, password=DEMO_PASSWORD, role=demo.role, name=demo.name
                )
                created.append(f"user {demo.email} ({demo.role})")
    return created
