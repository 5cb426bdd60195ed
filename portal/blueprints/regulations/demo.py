"""Demo rules: those the report names (后勤管理规定, 交通车管理规定 …) with short,
realistic texts; the logistics rules were revised this year. Idempotent."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from portal import timeutil
from portal.blueprints.regulations.models import Regulation, RegulationVersion
from portal.db import db
from portal.models import Unit, User

LOGISTICS_2011 = """第一条 为规范行政中心大楼管理，保障集中办公秩序，制定本规定。
第二条 行政中心机关后勤管理中心设在县委办公室，负责对物业公司的指导和管理、大楼水电费的收取和机关交通用车的管理。
第三条 各入驻单位应爱护公共设施，不得擅自改变办公用房用途和结构。
第四条 大楼实行统一的出入管理，外来人员须在门岗登记。
第五条 会议室实行统一预约、统一管理，使用单位应提前一天预约。
第六条 水电费用由各入驻单位按核定比例分摊。
第七条 本规定自印发之日起施行。"""

LOGISTICS_REVISED = """第一条 为规范行政中心大楼管理，保障集中办公秩序，制定本规定。
第二条 行政中心机关后勤管理中心设在县委办公室，负责对物业公司的指导、监督和考核，大楼水电费的收取和机关交通用车的管理。
第三条 后勤管理中心每月对物业公司的安全保卫、清洁卫生、绿化养护、水电维修和会议服务进行检查考核，考核结果作为支付物业服务费的依据。
第四条 各入驻单位应爱护公共设施，不得擅自改变办公用房用途和结构。
第五条 大楼实行统一的出入管理，外来人员须在门岗登记或凭预约通行码进入。
第六条 会议室实行网上统一预约，使用单位应提前一天预约，并在使用后确认。
第七条 水电费用按各单位分户计量的实际用量结算；未分户计量部分按核定比例分摊。
第八条 每半月召开一次座谈会，听取意见建议，形成整改方案。
第九条 本规定自施行之日起执行，原规定同时废止。"""

RULES = (
    ("行政中心机关后勤管理规定", "大楼的后勤管理职责、出入、会议室和水电费用分摊。", "县委办公室",
     ((date(2011, 3, 1), LOGISTICS_2011, ""), (None, LOGISTICS_REVISED, "增加物业月度考核、分户计量结算和半月座谈会的规定。"))),
    ("行政中心机关交通车管理规定", "上下班交通车的线路、站点和乘车秩序。", "县委办公室",
     ((date(2011, 3, 1), """第一条 机关交通车由后勤管理中心统一管理，按核定线路和时刻运行。
第二条 乘车人员应在站点有序候车，按时乘车，过时不候。
第三条 线路、站点和时刻如有调整，提前三个工作日在门户网站公告。
第四条 交通车不得用于公务以外的其他用途。""", ""),)),
    ("行政中心安全保卫制度", "门岗、巡逻、消防和监控值守。", "县委办公室",
     ((date(2012, 1, 1), """第一条 大楼门岗实行24小时值守，外来人员凭有效证件登记进入。
第二条 保安人员每两小时巡逻一次，并如实记录巡逻情况。
第三条 消防通道保持畅通，消防设施每月检查一次。
第四条 监控室24小时有人值守，发现异常立即处置并报告后勤管理中心。""", ""),)),
    ("行政中心会议室使用管理办法", "会议室预约、使用和会务服务。", "县委办公室",
     ((date(2011, 3, 1), """第一条 行政中心会议室由后勤管理中心统一调配。
第二条 使用单位应提前一天通过门户网站预约，注明会议名称、人数和所需设备。
第三条 物业公司会务人员应在会前一小时完成会场布置和设备调试。
第四条 会后由物业公司清理会场，使用单位确认设备完好。""", ""),)),
    ("行政中心水电使用管理办法", "节约用水用电和费用结算。", "县委办公室",
     ((date(2013, 7, 1), """第一条 各单位应节约用水用电，下班时关闭照明、空调和电脑等设备。
第二条 夏季空调温度不低于26℃，冬季不高于20℃。
第三条 水电费用按月结算，由后勤管理中心统一收取。""", ""),)),
)


def seed_demo() -> None:
    if db.session.scalar(select(func.count()).select_from(Regulation)):
        return
    logistics = db.session.scalar(select(User).where(User.username == "logistics"))
    units = {name: uid for uid, name in db.session.execute(select(Unit.id, Unit.name))}
    now = timeutil.now()
    revised = timeutil.today() - timedelta(days=10)  # recently revised: on the home page
    for title, summary, unit, versions in RULES:
        regulation = Regulation(title=title, summary=summary, unit_id=units.get(unit), created_at=now)
        for number, (effective, text, note) in enumerate(versions, start=1):
            regulation.versions.append(RegulationVersion(
                number=number, text=text, effective_from=effective or revised, note=note, published_at=now,
                published_by_id=logistics.id if logistics else None,
            ))
        db.session.add(regulation)
    db.session.commit()
