"""Realistic queries with the answers people expect (issue 20), scored as top-1
and top-3 hit rates over the demo building. Each entry: what is typed, and the
labels any of which is a right answer (a unit's full name, a guide item's name).

Shared by ``test_search_quality.py`` (which holds the targets) and
``benchmarks/search_quality.py`` (which prints the rates).
"""

from __future__ import annotations

RENSHE = "县人力资源和社会保障局"
YIBAO = "县医疗保障局"
MINZHENG = "县民政局"
XINFANG = "县信访局"
SHENPI = "县行政审批局"
ZIRAN = "县自然资源和规划局"
ZHUJIAN = "县住房和城乡建设局"
SIFA = "县司法局"
JIAOYU = "县教育局"
WEIJIAN = "县卫生健康局"
HOUQIN = "县机关事务服务中心"

SHEBAOKA = "社会保障卡申领"
BUKA = "社会保障卡挂失与补换"
SHIYE_JIN = "失业保险金申领"
SHIYE_DJ = "失业登记"
JIEHUN = "结婚登记"
LIHUN = "离婚登记"
DIBAO = "最低生活保障申请"
YIDI = "异地就医备案"
BAOXIAO = "医疗费用手工报销"
QIYE = "企业设立登记（营业执照）"
GETI = "个体工商户设立登记"
BDC_FIRST = "不动产首次登记"
BDC_TRANSFER = "不动产转移登记（二手房买卖）"
BDC_MORTGAGE = "不动产抵押登记"
BDC_QUERY = "不动产登记资料查询"

QUERIES: list[tuple[str, tuple[str, ...]]] = [
    # names and abbreviations of units
    ("人社局", (RENSHE,)),
    ("人力资源和社会保障局", (RENSHE,)),
    ("医保局", (YIBAO,)),
    ("医保", (YIBAO,)),
    ("民政局", (MINZHENG,)),
    ("民政", (MINZHENG,)),
    ("信访局", (XINFANG,)),
    ("审批局", (SHENPI,)),
    ("住建局", (ZHUJIAN,)),
    ("司法局", (SIFA,)),
    ("教育局", (JIAOYU,)),
    ("卫健局", (WEIJIAN,)),
    ("后勤管理中心", (HOUQIN,)),
    ("rsj", (RENSHE,)),
    ("ybj", (YIBAO,)),
    ("minzhengju", (MINZHENG,)),
    ("xinfang", (XINFANG, "信访事项受理")),
    # homophone typos: same pinyin, other characters
    ("人设局", (RENSHE,)),
    ("医宝局", (YIBAO,)),
    ("婚因登记", (JIEHUN, LIHUN, "补领婚姻登记证")),
    ("民正局", (MINZHENG,)),
    ("信方局", (XINFANG,)),
    ("失业金申领", (SHIYE_JIN,)),
    # pinyin, with small typos
    ("shebao", (SHEBAOKA, BUKA, RENSHE)),
    ("shebo", (SHEBAOKA, BUKA, RENSHE)),
    ("yibao", (YIBAO,)),
    ("yibo", (YIBAO,)),
    ("jiehun", (JIEHUN,)),
    ("jiehundengji", (JIEHUN,)),
    ("lihun", (LIHUN,)),
    ("dibao", (DIBAO,)),
    ("budongchan", (BDC_FIRST, BDC_TRANSFER, BDC_MORTGAGE, BDC_QUERY, ZIRAN)),
    ("yingyezhizhao", (QIYE, GETI)),
    # filler words and questions
    ("办理社保卡", (SHEBAOKA,)),
    ("信访局在哪", (XINFANG,)),
    ("怎么办营业执照", (QIYE, GETI)),
    ("人社局在几楼", (RENSHE,)),
    ("我要离婚", (LIHUN,)),
    ("如何办理结婚登记", (JIEHUN,)),
    ("低保怎么申请", (DIBAO,)),
    ("民政局在哪里", (MINZHENG,)),
    ("请问医保局电话", (YIBAO,)),
    # mixed Chinese and pinyin
    ("社保ka", (SHEBAOKA, BUKA)),
    ("yidi就医", (YIDI,)),
    ("医保ju", (YIBAO,)),
    ("jiehun登记", (JIEHUN,)),
    # everyday words
    ("二手房过户", (BDC_TRANSFER,)),
    ("过户", (BDC_TRANSFER,)),
    ("失业金", (SHIYE_JIN,)),
    ("低保", (DIBAO,)),
    ("房产证", (BDC_FIRST, BDC_TRANSFER)),
    ("开公司", (QIYE,)),
    ("社保卡丢了", (BUKA,)),
    ("劳动局", (RENSHE,)),
    ("国土局", (ZIRAN,)),
    ("政务大厅", (SHENPI,)),
    ("上访", (XINFANG, "信访事项受理")),
    ("打官司", ("法律援助申请",)),
    ("看病报销", (BAOXIAO,)),
    ("交社保", (RENSHE, "灵活就业人员参保登记")),
    ("开饭店", ("食品经营许可证核发",)),
    ("抵押贷款", (BDC_MORTGAGE,)),
    ("生孩子报销", ("生育医疗费用报销",)),
    ("审皮局", (SHENPI,)),
    ("社保中心", (RENSHE,)),
    # ranking
    ("社保", (RENSHE, SHEBAOKA, BUKA)),
    ("营业执照", (QIYE,)),
    ("不动产登记", (BDC_FIRST, BDC_TRANSFER, BDC_MORTGAGE, BDC_QUERY, ZIRAN)),
    ("婚姻登记", (JIEHUN, LIHUN, "补领婚姻登记证")),
    ("社保卡", (SHEBAOKA,)),
    ("异地就医", (YIDI,)),
    ("结婚", (JIEHUN,)),
    ("离婚", (LIHUN,)),
    # rooms and floors
    ("305", ("主楼 305", "县委附楼 305")),
    ("3楼", ("主楼 3楼", "县委附楼 3楼")),
]

# Queries whose whole answer must be listed (a family, a pair), in any order, in the first hits.
COMPLETE: list[tuple[str, tuple[str, ...]]] = [
    ("不动产登记", (BDC_FIRST, BDC_TRANSFER, BDC_MORTGAGE, BDC_QUERY)),
    ("婚姻登记", (JIEHUN, LIHUN)),
    ("社保", (RENSHE,)),
]


def score(search_labels) -> tuple[float, float, list[tuple[str, list[str], tuple[str, ...]]]]:
    """(top-1 rate, top-3 rate, misses) for ``search_labels(text) -> ranked labels``."""
    top1 = top3 = 0
    misses = []
    for text, expected in QUERIES:
        labels = search_labels(text)
        top1 += bool(labels[:1]) and labels[0] in expected
        hit3 = any(label in expected for label in labels[:3])
        top3 += hit3
        if not (labels[:1] and labels[0] in expected):
            misses.append((text, labels[:3], expected))
    return top1 / len(QUERIES), top3 / len(QUERIES), misses
