"""The proposed split of a requisition across groups: a pure function, so it is easy to test and fast.

Groups are filled tier by tier (the delivery points' blocks first, then the rest of the district, then anywhere),
each tier in proportion to declared capacity, never above a group's capacity until the deadline nor above the cap
per group (unless the official overrides capacity). Integer shares by largest remainder: they always sum to the
total asked for."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    seller_id: int
    block_id: int
    capacity: int  # units it can make before the deadline (declared weekly capacity × weeks)
    tier: int = 0  # 0: a delivery point's block, 1: same district, 2: elsewhere
    federation_name: str | None = None


class NotEnoughCapacity(Exception):
    def __init__(self, available: int, wanted: int):
        super().__init__(f"capacity {available} < {wanted}")
        self.available, self.wanted = available, wanted


def _fill(amount: int, items: list[tuple[int, int, int]]) -> dict[int, int]:
    """Share `amount` over (id, weight, limit) in proportion to weight, each at most its limit.
    The caller guarantees sum(limits) >= amount."""
    out: dict[int, int] = {}
    active = [(i, w, lim) for i, w, lim in items if w > 0 and lim > 0]
    while amount > 0 and active:
        total_w = sum(w for _, w, _ in active)
        capped = [(i, w, lim) for i, w, lim in active if amount * w >= lim * total_w]
        if capped:  # these reach their limit: give it, share the rest among the others
            for i, _w, lim in capped:
                out[i] = lim
                amount -= lim
            ids = {i for i, _, _ in capped}
            active = [x for x in active if x[0] not in ids]
            continue
        rest = amount
        remainders = []
        for i, w, _lim in active:
            share, rem = divmod(amount * w, total_w)
            out[i] = share
            rest -= share
            remainders.append((-rem, i))
        for _, i in sorted(remainders)[:rest]:  # each ideal share is below its limit, so +1 stays within
            out[i] += 1
        amount = 0
    return out


def propose(total: int, candidates: list[Candidate], cap: int | None = None, override: bool = False) -> dict[int, int]:
    """seller_id -> share, summing to `total`. Raises NotEnoughCapacity when the groups cannot make it in time
    (and `override` is off) or when the cap alone makes it impossible."""
    if total <= 0:
        return {}
    huge = total  # no group ever needs more than the total

    def limit(c: Candidate) -> int:
        lim = huge if override else c.capacity
        return min(lim, cap) if cap else lim

    usable = [c for c in candidates if c.capacity > 0]
    available = sum(limit(c) for c in usable)
    if available < total:
        raise NotEnoughCapacity(available, total)
    shares: dict[int, int] = {}
    remaining = total
    for tier in sorted({c.tier for c in usable}):
        group = [c for c in usable if c.tier == tier]
        limits = sum(limit(c) for c in group)
        take = min(remaining, limits)
        shares.update(_fill(take, [(c.seller_id, c.capacity, limit(c)) for c in group]))
        remaining -= take
        if remaining == 0:
            break
    return {k: v for k, v in shares.items() if v > 0}
