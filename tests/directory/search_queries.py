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
    # Round 2 (issue 20, after the synonym table): written before running them.
    # synonyms people actually say
    ("退伍军人", ("县退役军人事务局", "退役军人优待证申领", "退役士兵报到")),
    ("优待证", ("退役军人优待证申领",)),
    ("养老金", ("企业职工退休待遇核定", "城乡居民养老保险参保登记")),
    ("办退休", ("企业职工退休待遇核定",)),
    ("转学", ("义务教育阶段学生转学",)),
    ("教师资格证", ("教师资格认定",)),
    ("调解", ("人民调解申请",)),
    ("廉租房", ("公共租赁住房申请",)),
    ("卖房子", (BDC_TRANSFER,)),
    ("医保报销", (BAOXIAO, "生育医疗费用报销")),
    ("发改委", ("县发展和改革局",)),
    ("统计局在几楼", ("县统计局",)),
    # families
    ("不动产", (BDC_FIRST, BDC_TRANSFER, BDC_MORTGAGE, BDC_QUERY, ZIRAN)),
    ("婚姻", (JIEHUN, LIHUN, "补领婚姻登记证")),
    ("许可证", ("食品经营许可证核发", "公共场所卫生许可证核发", "建设工程规划许可证核发", "建筑工程施工许可证核发",
             "娱乐场所经营许可证核发", "危险化学品经营许可证核发（不带储存设施）")),
    # homophones and pinyin
    ("退役军人句", ("县退役军人事务局",)),
    ("财正局", ("县财政局",)),
    ("fagaiju", ("县发展和改革局",)),
    ("tongji", ("县统计局",)),
    ("shiye", (SHIYE_JIN, SHIYE_DJ)),
    ("lvyouju", ("县文化广播电视和旅游局",)),
    ("高龄补贴", ("高龄津贴申领",)),
    ("农机补贴", ("农机购置补贴申请",)),
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
