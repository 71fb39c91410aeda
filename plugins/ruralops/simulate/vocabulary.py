"""Chinese names, places and memos the simulated bank draws from."""

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN_CHARS = list("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国文辉力玉珍红梅新春海燕金凤永福德荣志强宝山翠花长林水生秋菊小龙云飞家兴")

PROVINCE = "安徽省"
# (current division code, code before the prefecture became a city, year it changed, city,
# county). An ID number carries the code in force when it was first issued, approximated by
# the birth year: older people keep their 地区-era codes, as real ones do.
COUNTIES = [
    ("341122", "342322", 1992, "滁州市", "来安县"),
    ("341125", "342325", 1992, "滁州市", "定远县"),
    ("341126", "342326", 1992, "滁州市", "凤阳县"),
    ("341321", "342221", 1998, "宿州市", "砀山县"),
    ("341322", "342222", 1998, "宿州市", "萧县"),
    ("341221", "342122", 1996, "阜阳市", "临泉县"),
    ("341222", "342123", 1996, "阜阳市", "太和县"),
    ("341523", "342425", 1999, "六安市", "舒城县"),
]
TOWN_SUFFIXES = ["镇", "乡"]
TOWN_STEMS = list("城关大桥新集张桥石门双河古城白塔马店黄岗杨庙三河")
VILLAGE_STEMS = list("王庄李营前湾后岗东岭西湖南塘北沟")

MEMOS = {
    "COUNTER": ["柜面存款", "柜面取款", "定期转活期", "代发工资"],
    "ATM": ["ATM取款", "ATM存款"],
    "POS": ["消费", "农资店消费", "超市消费"],
    "MOBILE": ["手机银行转账", "话费充值", "生活缴费"],
    "WECHAT": ["微信支付", "微信转账"],
    "STM": ["超柜转账", "超柜存单开立"],
    "AGENT": ["助农取款", "助农转账", "新农合缴费"],
}
