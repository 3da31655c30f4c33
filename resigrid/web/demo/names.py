"""Invented Chinese names for the demo community. No real data: a surname list with rough
frequency weights (the commonest surnames are common everywhere) and pools of given-name
characters, combined at random."""

from __future__ import annotations

import random

# (surname, weight): weights are rough shares, enough to make 王/李/张 dominate as they do.
SURNAMES: tuple[tuple[str, int], ...] = (
    ("王", 72), ("李", 70), ("张", 66), ("刘", 53), ("陈", 46), ("杨", 32), ("黄", 25),
    ("赵", 21), ("吴", 20), ("周", 19), ("徐", 15), ("孙", 14), ("马", 13), ("朱", 12),
    ("胡", 11), ("郭", 11), ("何", 10), ("林", 10), ("高", 10), ("罗", 9), ("郑", 9),
    ("梁", 8), ("谢", 7), ("宋", 7), ("唐", 7), ("许", 6), ("韩", 6), ("冯", 6), ("邓", 6),
    ("曹", 6), ("彭", 5), ("曾", 5), ("肖", 5), ("田", 5), ("董", 5), ("袁", 4), ("潘", 4),
    ("于", 4), ("蒋", 4), ("蔡", 4), ("余", 4), ("杜", 4), ("叶", 4), ("程", 4), ("苏", 3),
    ("魏", 3), ("吕", 3), ("丁", 3), ("任", 3), ("沈", 3), ("姚", 3), ("卢", 3), ("姜", 3),
    ("崔", 3), ("钟", 3), ("谭", 2), ("陆", 2), ("汪", 2), ("范", 2), ("金", 2), ("石", 2),
    ("廖", 2), ("贾", 2), ("夏", 2), ("韦", 2), ("方", 2), ("邹", 2), ("熊", 2), ("白", 2),
    ("孟", 2), ("秦", 2), ("邱", 2), ("江", 2), ("尹", 1), ("薛", 1), ("闫", 1), ("段", 1),
    ("雷", 1), ("侯", 1), ("龙", 1), ("史", 1), ("陶", 1), ("黎", 1), ("贺", 1), ("顾", 1),
    ("毛", 1), ("郝", 1), ("龚", 1), ("邵", 1), ("万", 1), ("钱", 1), ("严", 1), ("欧阳", 1),
)  # fmt: skip

_SURNAME_NAMES = [s for s, _w in SURNAMES]
_SURNAME_CUM: list[int] = []
_total = 0
for _s, _w in SURNAMES:
    _total += _w
    _SURNAME_CUM.append(_total)

MALE_CHARS = "伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林欣博文轩泽睿晨阳志建国峰"
FEMALE_CHARS = "芳娜敏静丽艳娟霞燕玲桂兰红梅琳雪婷倩颖洁佳慧莹晶秀英华萍玉凤欣怡悦彤涵梓雨诗琪"
NEUTRAL_CHARS = "子思嘉一安晓雅春秋德立新永海云光金天成家正"

COMMUNITY_NAMES = (
    "翠苑", "文鼎", "紫荆", "枫桥", "丹桂", "青禾", "梧桐", "栖霞", "望湖", "锦绣",
    "长青", "和睦", "拱宸", "星河", "竹林", "兰亭", "清波", "沁园", "观澜", "杏坛",
)  # fmt: skip
ROAD_NAMES = (
    "文三路", "学院路", "教工路", "古翠路", "莫干山路", "文晖路", "天目山路", "保俶路",
    "马塍路", "登云路", "湖墅路", "密渡桥路", "体育场路", "环城西路", "曙光路", "西溪路",
)  # fmt: skip
NUMERALS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 12 → 十二, 40 → 四十, 105 → 一百零五 (enough for grid names up to 999)."""
    if n <= 0 or n > 999:
        return str(n)
    hundreds, rest = divmod(n, 100)
    tens, ones = divmod(rest, 10)
    out = ""
    if hundreds:
        out += NUMERALS[hundreds] + "百"
        if tens == 0 and ones:
            return out + "零" + NUMERALS[ones]
    if tens:
        out += ("" if tens == 1 and not hundreds else NUMERALS[tens]) + "十"
    if ones:
        out += NUMERALS[ones]
    return out


def community_name(index: int) -> str:
    """Name of the `index`-th community (0-based); wraps with a numeral past the list."""
    base = COMMUNITY_NAMES[index % len(COMMUNITY_NAMES)]
    lap = index // len(COMMUNITY_NAMES)
    return f"{base}{chinese_number(lap + 1) if lap else ''}社区"


def grid_name(community: str, number: int) -> str:
    """`翠苑社区` and 3 → `翠苑第三网格`."""
    return f"{community.removesuffix('社区')}第{chinese_number(number)}网格"


def surname(rng: random.Random) -> str:
    return rng.choices(_SURNAME_NAMES, cum_weights=_SURNAME_CUM, k=1)[0]


def given_name(rng: random.Random, sex: str) -> str:
    pool = MALE_CHARS if sex == "M" else FEMALE_CHARS
    first = rng.choice(pool + NEUTRAL_CHARS) if rng.random() < 0.7 else ""
    return first + rng.choice(pool)


def full_name(rng: random.Random, sex: str, family: str | None = None) -> str:
    return (family or surname(rng)) + given_name(rng, sex)
