"""What a question's words say beyond its keywords: the attribute asked for, whether it is about
the awards at all, and whether it belongs to another subject that merely shares words with them.

Plain tables of patterns, English on normalised text (text.normalise: lower case, no possessive
"'s") and Chinese by substring, so every decision can be traced to the words that made it.
"""

from __future__ import annotations

import re

from bot.knowledge.dataset import Attribute as A

# The attributes a question asks for, in order of precedence: "how many golds did X win" asks
# for a number, not for what X won. A question may ask for more than one ("where does Xiao Geng
# work": a place or an organisation); a fact answers it if it gives any of them.
_EN_ATTRIBUTES: tuple[tuple[A, str], ...] = (
    (A.NUMBER, r"\bhow (many|much)\b|\bnumber of\b|\bhow (big|large)\b|\bcount\b|\btotal\b"),
    (
        A.SHARE,
        r"\bpercent|\bproportion\b|\bshare of\b|\bwhat share\b|\bfraction\b|\bpart of\b|"
        r"\bportion\b|\bhow fast\b|\bgrowth\b|\bgrow\b|\bgrew\b",
    ),
    (
        A.DATE,
        r"\bwhen\b|\b(what|which) (year|date|day|month)\b|\bsince when\b|\bhow long ago\b|"
        r"\bin what year\b|\bdate\b|\bhow long (has|have)\b",
    ),
    (
        A.PLACE,
        r"\bwhere\b|\b(what|which) (city|cities|province|provinces|region|regions|place|clusters?|"
        r"country|location)\b|\bbased in\b|\blocated\b|\bheadquarter",
    ),
    (
        A.RANK,
        r"\brank|\bposition\b|\bthe most\b|\bmost golds?\b|\bplaced?\b.*\b(first|top)\b|"
        r"\btop (spot|place|position)\b|\bnumber one\b|\bno ?1\b|\bfirst place\b",
    ),
    (
        A.QUOTE,
        r"\bsay\b|\bsaid\b|\bsays\b|\btalk(s|ed)?\b|\bspeak\b|\bspoke\b|\bspeech\b|\bquote|\bview\b|\bopinion\b|"
        r"\bthink\b|\bbelieve\b|\bcomment|\bremark|\bmessage\b|\bpledge|\bpromise",
    ),
    (A.REASON, r"\bwhy\b|\breason|\bexplain|\bhow come\b"),
    (
        A.PERSON,
        r"\bwho\b|\bwhom\b|\bwhose\b|\bfounder\b|\bfounded by\b|\b(what|which) "
        r"(person|people|expert|experts|professor|researcher|official)\b|\bname of\b|\bboss\b|"
        r"\bceo\b",
    ),
    (
        A.ORGANISATION,
        r"\bwho\b|\b(what|which) (company|companies|firm|firms|organi[sz]ations?|institutions?|"
        r"universit(y|ies)|enterprises?|business(es)?|body|agency|bodies|makers?)\b|"
        r"\bwork(s|ed|ing)? (for|at)\b|\bwhere .*\b(work|teach|teaches|taught|study|studied)",
    ),
    (
        A.WINNER,
        r"\bwho (won|win|wins|got|get|received|receive)\b|\bwinners?\b|\bawardees?\b|"
        r"\b(did|does|was|were|is|has|have) .*\b(win|won|awarded|among|receive|received|get|got)\b|"
        r"\b(win|won|get|got|receive|received)\b.*\bor not\b|"
        r"\bwhich\b.*\b(won|win|got|get|received)\b",
    ),
    (
        A.AWARD,
        r"\b(what|which) (patents?|inventions?|designs?|products?|technolog(y|ies)|awards?|"
        r"prizes?|medals?)\b|\bwhat .*\b(win|won|get|got|receive|received)\b|\bfor what\b|"
        r"\bwinning (patent|invention|design)\b|\bwhat .*\bpatent\b|\bpatent .*\bwhat\b|"
        r"\bpatents? (that|which) (won|win)\b|\b(was|were|did|is|are) (there )?(any|a|an)\b|"
        r"\b(won|win)\b.*\bwhat\b",
    ),
)

_ZH_ATTRIBUTES: tuple[tuple[A, tuple[str, ...]], ...] = tuple(
    (attribute, tuple(words.split()))
    for attribute, words in (
        (A.NUMBER, "多少 几项 几个 几件 几家 几次 几台 数量 总数 一共 总共"),
        (A.SHARE, "比例 占比 百分之 份额 几分之几 比重 增长 增速 占"),
        (A.DATE, "什么时候 何时 哪年 哪一年 几年 哪天 哪一天 日期 年份 几月 时间 几号"),
        (A.PLACE, "哪里 哪儿 在哪 哪个城市 哪座城市 哪个省 哪个地区 地点 位于"),
        (A.RANK, "排名 第几 名次 排第 最多 榜首"),
        (A.QUOTE, "说了 说什么 观点 认为 表示 讲了 讲话 发言 看法 怎么说 怎么看"),
        (A.REASON, "为什么 原因 为何"),
        (A.PERSON, "谁 哪位 创始人 创办人 老板"),
        (
            A.ORGANISATION,
            "谁 哪家 哪些公司 哪个公司 哪些企业 哪个企业 哪个机构 什么机构 哪所 单位 工作",
        ),
        (
            A.WINNER,
            "获奖了吗 得奖了吗 获奖吗 得奖吗 获金奖吗 获奖者 得主 有没有获 是否获 谁获 谁得 "
            "获得金奖了吗 获金奖了吗",
        ),
        (
            A.AWARD,
            "什么奖 什么专利 专利是什么 获什么 哪项专利 哪个专利 哪项 什么项目 凭什么 凭借什么 "
            "获奖项目 什么发明 什么设计 获得了什么 得了什么",
        ),
    )
)

# Words that say what is asked rather than what it is about: a fact need not contain them.
ATTRIBUTE_WORDS = frozenset(
    """
    say said says speak spoke speech quote view opinion think believe comment remark message
    why reason explain when where date year day month place city province region location rank
    position percent percentage share proportion growth grow grew much many number total count
    university universities company companies firm firms organisation organization institution
    institutions employer
    """.split()
)

# Places in an order ("which region came second"): they say what is asked, a rank.
RANK_WORDS = frozenset("first second third fourth fifth sixth top highest".split())


# Of those, the nouns for kinds of thing: in "how many universities" they are what is counted.
KIND_NOUNS = frozenset(
    """
    university universities company companies firm firms organisation organization institution
    institutions city province region place location employer
    """.split()
)


# "有…获奖吗" (was any ... among the winners): asks what won, as "were any ... awarded".
_ZH_ANY_WON = re.compile(r"^有.+(获奖|得奖|获得金奖|获金奖)")

# Asking what a winning patent does, not which patent won.
_EN_WHAT_IT_DOES = re.compile(
    r"\bsolve|\bproblem\b|\bimpact\b|\bused for\b|\bpurpose\b|\bwhat does it do\b"
)
_ZH_WHAT_IT_DOES = ("解决", "问题", "用途", "作用", "影响")

# Words that only say what is asked for ("where does he work", "what percentage"): understood,
# though no fact is indexed under them.
QUESTION_WORDS = frozenset(
    """
    work works worked working employer job located based headquartered headquarters percent
    percentage proportion fraction portion position reason reasons explain opinion quote comment
    remarks start begin began establish established year years date happen happened
    mention mentioned named listed called
    """.split()
)
# Chinese words that only set the scope of a question (this year, this edition).
_ZH_SCOPE_WORDS = ("今年", "本届", "去年", "这届", "这一届")

_EN_COMPILED = tuple((attribute, re.compile(pattern)) for attribute, pattern in _EN_ATTRIBUTES)


def zh_cue_spans(cjk_text: str) -> list[tuple[int, int]]:
    """(start, end) of the Chinese attribute cues in a text: understood words (哪一年, 为什么)."""
    spans = []
    for words in (*(words for _, words in _ZH_ATTRIBUTES), _ZH_SCOPE_WORDS):
        for word in words:
            start = cjk_text.find(word)
            while start != -1:
                spans.append((start, start + len(word)))
                start = cjk_text.find(word, start + 1)
    return spans


def asked_attributes(text: str, cjk_text: str) -> tuple[A, ...]:
    """The attributes a normalised question asks for, most specific first."""
    found = [a for a, pattern in _EN_COMPILED if pattern.search(text)]
    found += [
        a for a, cues in _ZH_ATTRIBUTES if a not in found and any(c in cjk_text for c in cues)
    ]
    if _ZH_ANY_WON.search(cjk_text) and A.AWARD not in found:
        found.append(A.AWARD)  # "有绿色技术获奖吗": whether such a thing won
    if A.NUMBER in found or A.SHARE in found:
        # "How many golds did Beijing win": the count is asked, not who won or what.
        found = [a for a in found if a not in (A.WINNER, A.AWARD)]
    if A.RANK in found and re.search(r"\bwhere\b", text):
        found = [a for a in found if a is not A.PLACE]  # "where did Beijing rank": a rank
    if A.AWARD in found:
        found = [a for a in found if a is not A.WINNER]  # "what did X win" asks what, not whether
    if _EN_WHAT_IT_DOES.search(text) or any(w in cjk_text for w in _ZH_WHAT_IT_DOES):
        found = [a for a in found if a is not A.AWARD]  # "what problem did the patent solve"
    order = [a for a, _ in _EN_ATTRIBUTES]
    return tuple(sorted(found, key=order.index))


# Other subjects that share words with the awards ("won", "gold", "2025", "patent", a city): a
# question about them is off topic even when some of its words are in the data.
_EN_OFF_DOMAIN = re.compile(
    r"\b("
    r"oscars?|academy awards?|best picture|grammys?|emmys?|golden globes?|nobel|pulitzer|booker|"
    r"ballon d.or|olympics?|olympiad|paralympics?|world cup|fifa|football|soccer|basketball|nba|"
    r"tennis|athletes?|medal table|championship|league|tournament|"
    r"movies?|films?|actors?|actress|songs?|albums?|singers?|concert|tv show|"
    r"stocks?|share price|stock price|market cap|bitcoin|crypto\w*|dividends?|exchange rate|"
    r"nasdaq|dow jones|"
    r"weather|rain|raining|snow|temperature|forecast|"
    r"recipes?|food|restaurants?|cook|cooking|bake|dish|cuisine|"
    r"hotels?|flights?|visa|tourist|tourism|sightseeing|"
    r"capital of|provincial capital|population|"
    r"president of (the )?(us|usa|united states|america|france|russia|china)|prime minister|"
    r"joke|poem|meaning of life|price|prices|pricing|how much (does|do|is|are) .+ cost|"
    r"per gram|today|cheap|discount|"
    r"patent term|how long does a patent last|protection period|"
    r"translate|time is it|"
    r"iphone|android|smartphones?|phones?|laptop|buy|cheapest|games?|gaming|to play|"
    r"how much (is|are|does|do) (a|an|one)|salary|salaries|hiring|careers?|internships?|"
    r"good (company|place) to work|"
    r"us patent|uspto|european patent|epo|trademark|copyright"
    r")s?\b"  # and their plurals ("championships")
)
# Asking how to do something (file a patent, apply, register): advice the sources do not give.
_EN_HOW_TO = re.compile(
    r"\bhow (do|can|should|would|could) (i|we|you|one)\b|\bhow to\b|\bcan i\b|\bway to\b"
)

_ZH_OFF_DOMAIN = tuple(
    """
    奥运 奥斯卡 诺贝尔 格莱美 世界杯 足球 篮球 电影 歌曲 明星 股价 股票 市值 比特币 汇率 天气 下雨 气温
    菜谱 美食 餐厅 好吃 酒店 机票 旅游 人口 总统 首都 省会 笑话 翻译 几点 手机 价格 价钱 商标 版权
    保护期 有效期 今天
    """.split()
)
_ZH_HOW_TO = re.compile(
    r"(怎么|如何|怎样)(申请|办理|注册|发|查|调|用|买|下载|安装|设置|充值|开通|退|换|修|做|写|填|交|缴)"
)
# Any 怎么/如何/怎样 before a verb (怎么连接, 如何共享): how to do something, or how something is
# (金奖怎么分布). Out of the awards' context it is the first; not 怎么说/怎么看 (what someone said or
# thinks), 怎么样 (an opinion), 怎么回事 or 怎么会 (why).
_ZH_HOW_ANY = re.compile(r"(怎么|如何|怎样)(?!说|看|样|回事|会|评价)[\u4e00-\u9fff]")


def asks_how_to_use(cjk_text: str) -> bool:
    return bool(_ZH_HOW_ANY.search(cjk_text))


# "多少钱" asks a price, unless it asks what was spent or earned (研发投入多少钱).
_ZH_MONEY_FACTS = tuple("研发 投入 投资 产值 出口 营收 奖 花了".split())  # 奖: prize money


def off_domain(text: str, cjk_text: str) -> bool:
    """Whether a normalised question is about another subject that shares words with the data."""
    if "多少钱" in cjk_text and not any(w in cjk_text for w in _ZH_MONEY_FACTS):
        return True
    return bool(_EN_OFF_DOMAIN.search(text)) or any(m in cjk_text for m in _ZH_OFF_DOMAIN)


# Asking how long something lasts or takes ("how long does a patent last", "坐高铁要多久"): the
# sources give dates and counts, never a duration. "How long has X existed" asks since when.
_EN_DURATION = re.compile(
    r"\bhow long\b(?! ago\b| has\b| have\b)|\bhow many (years|months|days|hours)\b.*\b(last|take)"
)
_ZH_DURATION = ("多久", "多长时间", "多长")


# Asking an amount of money: only a fact that gives one in money answers it ("how much money do
# gold winners get" is not answered by the count of golds).
_EN_MONEY = re.compile(
    r"\bmoney\b|\b(cost|costs|spend|spent|invest|invested|investment|earn|earned|earns|paid|pay|"
    r"revenue|income|salary|yuan|rmb|dollars?|usd)\b"
)
_ZH_MONEY = ("钱", "奖金", "多少元", "资金", "投入", "营收", "收入", "产值")


def asks_money(text: str, cjk_text: str) -> bool:
    return bool(_EN_MONEY.search(text)) or any(w in cjk_text for w in _ZH_MONEY)


def asks_duration(text: str, cjk_text: str) -> bool:
    return bool(_EN_DURATION.search(text)) or any(w in cjk_text for w in _ZH_DURATION)


# Asking for advice or an opinion on a product, a place or a choice ("is X worth buying", "which
# X is best for", "推荐", "性价比"): the sources report the awards, they recommend nothing.
_EN_ADVICE = re.compile(
    r"\bbest (way|ways|time|place|places|things?|one|for|to)\b|\bis (the )?best\b|"
    r"\bworth (it|buying|getting|the money|trying)\b|\brecommend\w*|\bshould (i|we)\b|"
    r"\bgood for (a |an )?(beginners?|students?|kids|home|me|us)\b|\bbetter (than|for)\b|"
    r"\b(pros and cons|reviews?)\b"
)
_ZH_ADVICE = ("推荐", "值得", "性价比", "好用", "好玩", "哪个好", "哪款", "划算", "靠谱")


def asks_advice(text: str, cjk_text: str) -> bool:
    return bool(_EN_ADVICE.search(text)) or any(w in cjk_text for w in _ZH_ADVICE)


def asks_how_to(text: str, cjk_text: str) -> bool:
    return bool(_EN_HOW_TO.search(text)) or bool(_ZH_HOW_TO.search(cjk_text))


# Things about the awards that the sources never give (prize money, judges, patent numbers):
# a question about them is answered "not in the sources", not with a fact that shares words.
_EN_UNSOURCED = re.compile(
    r"\b(prize money|cash prize|prize mon\w*|bonus|reward money|jury|judges?|judging|criteria|"
    r"patent numbers?|address|deadline|tickets?|application form|selection process|entry fee|"
    r"edition number|how are (the )?winners (chosen|selected)|next\b.*\b(year|edition|awards?|"
    r"ceremony|one|time)|upcoming|will be held|will win|future winners?)\b"
)
_ZH_UNSOURCED = tuple(
    "奖金 评委 评审标准 评选标准 专利号 地址 截止 门票 申报 报名 下一届 明年".split()
)


def unsourced(text: str, cjk_text: str) -> bool:
    return bool(_EN_UNSOURCED.search(text)) or any(m in cjk_text for m in _ZH_UNSOURCED)


# Words that make a question about patent awards even when it names nothing the data knows
# ("did Xiaomi win a gold?"). Canonical terms (text.canonical) and Chinese substrings.
DOMAIN_TERMS = frozenset(
    "award gold silver excellence win patent ceremony fair invention design cnipa wipo "
    "awardee utility prize".split()
)
ZH_DOMAIN = ("奖", "专利", "发明", "交易会", "获奖")
# Words that put a question in the awards' context (not only the patents'): winning, a prize, the
# ceremony, an edition. "How long does a patent last" is about patents, not about these awards.
AWARD_TERMS = frozenset(
    "award gold silver excellence win awardee ceremony edition honour laureate".split()
)
ZH_AWARD = ("奖", "颁奖", "届", "获", "得主")
# Words that ask about winning, for a question that names a winner the sources do not.
WIN_TERMS = frozenset({"win", "award", "gold", "awardee"})
ZH_WIN = ("获奖", "得奖", "金奖", "获得", "获")

# A follow-up that names no subject of its own refers back with a pronoun, or is elliptical
# ("And BYD?", "比亚迪呢？") and asks the previous question again about a new subject.
_EN_PRONOUN = re.compile(r"\b(it|its|they|their|them|he|his|she|her|this company|the company)\b")
_ZH_PRONOUN = (
    "它",
    "他",
    "她",
    "该公司",
    "这家公司",
    "这个公司",
    "这项",
    "该项",
    "这款",
    "这家",
    "该专利",
)
_EN_ELLIPTICAL = re.compile(r"^\W*(and|what about|how about|also|same for|what of)\b")
_ZH_ELLIPTICAL_START = ("那", "还有", "那么")


def refers_back(text: str, cjk_text: str) -> bool:
    cjk_text = cjk_text.replace("其他", "")  # "other", not "he"
    return bool(_EN_PRONOUN.search(text)) or any(p in cjk_text for p in _ZH_PRONOUN)


def elliptical(text: str, cjk_text: str) -> bool:
    stripped = cjk_text.strip()
    return (
        bool(_EN_ELLIPTICAL.search(text))
        or stripped.endswith("呢")
        or stripped.startswith(_ZH_ELLIPTICAL_START)
    )


# "This year" and its kin name the 2025 awards' year.
CURRENT_YEAR = 2025
_EN_THIS_YEAR = re.compile(r"\b(this|current|latest) (year|edition)\b|\bthis year.s\b")
_EN_LAST_YEAR = re.compile(r"\blast year\b")
_YEAR = re.compile(r"(?<!\d)(19[89]\d|20\d\d)(?!\d)")  # "2022年" has no word boundary


def named_years(text: str, cjk_text: str) -> tuple[int, ...]:
    years = [int(y) for y in _YEAR.findall(text)]
    if _EN_THIS_YEAR.search(text) or "今年" in cjk_text or "本届" in cjk_text:
        years.append(CURRENT_YEAR)
    if _EN_LAST_YEAR.search(text) or "去年" in cjk_text:
        years.append(CURRENT_YEAR - 1)
    return tuple(dict.fromkeys(years))


# Editions named by number: "the 22nd edition", "第23届".
_EN_EDITION = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)\b")
_ZH_EDITION = re.compile(r"第\s*(\d{1,2})\s*届")


def named_editions(text: str) -> tuple[int, ...]:
    found = [int(n) for n in _EN_EDITION.findall(text)] + [
        int(n) for n in _ZH_EDITION.findall(text)
    ]
    return tuple(dict.fromkeys(found))


# A word that reads as pinyin ("shandong", "xiaomi") is a Chinese name the data does not know,
# not an English word it merely lacks ("standout", "mentioned").
_PINYIN_SYLLABLES = frozenset(
    """
    ai an ang ao ba bai ban bang bao bei ben beng bi bian biao bie bin bing bo bu ca cai can cang
    cao ce cen ceng cha chai chan chang chao che chen cheng chi chong chou chu chuai chuan chuang
    chui chun chuo ci cong cou cu cuan cui cun cuo da dai dan dang dao de dei deng di dian diao
    die ding diu dong dou du duan dui dun duo en er fa fan fang fei fen feng fo fou fu ga gai gan
    gang gao ge gei gen geng gong gou gu gua guai guan guang gui gun guo ha hai han hang hao he
    hei hen heng hong hou hu hua huai huan huang hui hun huo ji jia jian jiang jiao jie jin jing
    jiong jiu ju juan jue jun ka kai kan kang kao ke ken keng kong kou ku kua kuai kuan kuang kui
    kun kuo la lai lan lang lao le lei leng li lia lian liang liao lie lin ling liu long lou lu
    luan lun luo lv ma mai man mang mao mei men meng mi mian miao mie min ming miu mo mou mu na
    nai nan nang nao ne nei nen neng ni nian niang niao nie nin ning niu nong nou nu nuan nuo nv
    ou pa pai pan pang pao pei pen peng pi pian piao pie pin ping po pou pu qi qia qian qiang qiao
    qie qin qing qiong qiu qu quan que qun ran rang rao re ren reng ri rong rou ru rua ruan rui
    run ruo sa sai san sang sao se sen seng sha shai shan shang shao she shei shen sheng shi shou
    shu shua shuai shuan shuang shui shun shuo si song sou su suan sui sun suo ta tai tan tang tao
    te teng ti tian tiao tie ting tong tou tu tuan tui tun tuo wa wai wan wang wei wen weng wo wu
    xi xia xian xiang xiao xie xin xing xiong xiu xu xuan xue xun ya yan yang yao ye yi yin ying
    yo yong you yu yuan yue yun za zai zan zang zao ze zei zen zeng zha zhai zhan zhang zhao zhe
    zhei zhen zheng zhi zhong zhou zhu zhua zhuai zhuan zhuang zhui zhun zhuo zi zong zou zu zuan
    zui zun zuo
    """.split()
)


def reads_as_pinyin(word: str) -> bool:
    """Whether a word splits into two or more pinyin syllables."""
    if len(word) < 5:
        return False
    # ways[i]: the fewest syllables that spell word[:i] (0 = not spellable)
    ways = [0] + [-1] * len(word)
    for end in range(1, len(word) + 1):
        for start in range(max(0, end - 6), end):
            if ways[start] >= 0 and word[start:end] in _PINYIN_SYLLABLES:
                count = ways[start] + 1
                ways[end] = count if ways[end] < 0 else min(ways[end], count)
    return ways[-1] >= 2


# "Was the ceremony in Beijing?", "颁奖是在北京吗": a yes-or-no question whether something was
# at a place; the place is what is checked, not what the question is about.
_EN_IF_THERE = re.compile(r"^\W*(was|were|is|are|did|does|do)\b.*\b(in|at)\b")
_ZH_IF_THERE = re.compile(r"在.+吗")


def asks_if_there(text: str, cjk_text: str) -> bool:
    return bool(_EN_IF_THERE.search(text)) or bool(_ZH_IF_THERE.search(cjk_text))


# Question words typed with a slip ("whre", "mnay", "wat"): read as meant, to tell what is asked.
_QUESTION_WORDS = ("where", "when", "which", "what", "many", "much", "whose", "how", "who", "why")
_QUESTION_SLIPS = {"wat": "what", "wot": "what", "wht": "what", "hw": "how", "wen": "when"}


def question_word(word: str) -> str | None:
    if word in _QUESTION_SLIPS:
        return _QUESTION_SLIPS[word]
    if len(word) < 4:
        return None
    return next((q for q in _QUESTION_WORDS if len(q) >= 4 and _one_slip(word, q)), None)


def _one_slip(a: str, b: str) -> bool:
    """Whether two words differ by one letter changed, added, dropped or two swapped."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (
            len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )  # fmt: skip
    short, long = sorted((a, b), key=len)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))
