"""The committed baseline every test starts from: branches, agencies, one user per role (and a
second one where scope matters), machine clients, and real JWTs minted for each of them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import Agency, ApiClient, Branch, UserAccount
from api.security import TokenService, hash_password

PASSWORD = "correct horse battery staple"
CLIENT_SECRET = "test-client-secret-0123456789"

BRANCHES = [
    ("setagaya", "世田谷総合支所", "Setagaya"),
    ("kitazawa", "北沢総合支所", "Kitazawa"),
    ("tamagawa", "玉川総合支所", "Tamagawa"),
    ("kinuta", "砧総合支所", "Kinuta"),
    ("karasuyama", "烏山総合支所", "Karasuyama"),
]

AGENCIES = [
    # code, type, branch
    ("karasuyama_seikatsu", "ward_division", "karasuyama"),
    ("setagaya_seikatsu", "ward_division", "setagaya"),
    ("karasuyama_kenko", "ward_division", "karasuyama"),
    ("mota", "support_centre", "setagaya"),
    ("kinuta_center", "support_centre", "kinuta"),
    ("hasic", "information_centre", None),
    ("care_corp", "contracted_corporation", None),
    ("hospital", "psychiatric_hospital", "karasuyama"),
    ("consult", "consultation_office", "setagaya"),
    ("grouphome", "group_home", "setagaya"),
    ("secretariat", "council_secretariat", None),
    ("ward_admin", "ward_branch", "setagaya"),
]

USERS = [
    # name, role, agency, branches
    ("admin", "admin", "ward_admin", []),
    ("supervisor", "supervisor", "karasuyama_seikatsu", ["karasuyama"]),
    ("caseworker", "caseworker", "karasuyama_seikatsu", ["karasuyama"]),
    ("caseworker2", "caseworker", "setagaya_seikatsu", ["setagaya"]),
    ("mental_care_worker", "mental_care_worker", "care_corp", ["karasuyama"]),
    ("public_health_nurse", "public_health_nurse", "karasuyama_kenko", ["karasuyama"]),
    ("coordinator", "coordinator", "mota", []),
    ("peer_supporter", "peer_supporter", "mota", []),
    ("partner", "partner", "hospital", []),
    ("partner_consult", "partner", "consult", []),
    ("secretariat", "secretariat", "secretariat", []),
    ("analyst", "analyst", "ward_admin", []),
    ("auditor", "auditor", "ward_admin", []),
]

MACHINES = [
    ("hospital-system", "partner", "hospital"),
    ("consult-system", "partner", "consult"),
    ("dashboard", "analyst", "ward_admin"),
]


@dataclass
class World:
    tokens: TokenService
    agencies: dict[str, uuid.UUID] = field(default_factory=dict)
    users: dict[str, uuid.UUID] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)
    machines: dict[str, uuid.UUID] = field(default_factory=dict)

    def token(self, name: str) -> str:
        if name in self.machines:
            return self.tokens.issue_access_token(self.machines[name], "client")[0]
        return self.tokens.issue_access_token(self.users[name], "user")[0]

    def auth(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(name)}"}


async def build_world(session: AsyncSession, tokens: TokenService) -> World:
    world = World(tokens=tokens)
    for i, (code, ja, en) in enumerate(BRANCHES):
        session.add(Branch(code=code, name_ja=ja, name_en=en, sort_order=i))
    await session.flush()
    for code, type_, branch in AGENCIES:
        agency = Agency(code=f"t_{code}", name_ja=code, name_en=code, type=type_, branch_code=branch)
        session.add(agency)
        await session.flush()
        world.agencies[code] = agency.id
    password_hash = hash_password(PASSWORD)
    for name, role, agency_code, branches in USERS:
        user = UserAccount(
            username=f"t.{name}", display_name=name, role=role, agency_id=world.agencies[agency_code],
            branch_codes=branches, password_hash=password_hash,
        )
        session.add(user)
        await session.flush()
        world.users[name] = user.id
        world.roles[name] = role
    secret_hash = hash_password(CLIENT_SECRET)
    for client_id, role, agency_code in MACHINES:
        machine = ApiClient(client_id=f"t.{client_id}", name=client_id, role=role,
                            agency_id=world.agencies[agency_code], secret_hash=secret_hash)
        session.add(machine)
        await session.flush()
        world.machines[client_id] = machine.id
    return world
