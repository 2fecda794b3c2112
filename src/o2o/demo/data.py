"""The demo shop around Shenzhen Nanshan: three merchants, six stores, ~30 products.

Names are in Chinese with English alongside; coordinates are real places in Nanshan.
Prices are in fen.
"""

from __future__ import annotations

DEMO_PASSWORD = "o2o-demo-2026"  # noqa: S105 - printed by `o2o demo`, for the demo only

OPERATOR = {"username": "operator", "display_name": "平台运营 Operator"}

CUSTOMERS = [
    {"username": "alice", "display_name": "Alice 李"},
    {"username": "bob", "display_name": "Bob 王"},
]

# (slug, name, name_en, parent slug)
CATEGORIES = [
    ("food", "美食", "Food & drink", None),
    ("hotpot", "火锅", "Hotpot", "food"),
    ("beauty", "丽人", "Beauty", None),
    ("hair", "美发", "Hair", "beauty"),
    ("nails", "美甲美睫", "Nails & lashes", "beauty"),
    ("shopping", "购物", "Shopping", None),
    ("tea", "茶叶茶具", "Tea", "shopping"),
    ("groceries", "特产食品", "Local food", "shopping"),
    ("electronics", "数码", "Electronics", "shopping"),
    ("lifestyle", "生活好物", "Lifestyle", "shopping"),
    ("leisure", "休闲娱乐", "Leisure", None),
    ("classes", "体验课程", "Classes", "leisure"),
]

# Product title -> category slug.
PRODUCT_CATEGORY = {
    "重庆火锅双人套餐": "hotpot", "重庆火锅四人套餐": "hotpot", "100元代金券": "hotpot",
    "毛肚鸭肠拼盘单人餐": "hotpot", "生日火锅宴六人套餐": "hotpot", "火锅食材外带套餐": "hotpot",
    "川味坊牛油火锅底料 500g": "groceries", "麻辣香肠 礼盒装": "groceries",
    "资深发型师精剪造型": "hair", "洗剪吹十次卡": "hair", "日式美甲单色": "nails", "头皮深层护理": "hair",
    "时尚染发（短发）": "hair", "睫毛嫁接自然款": "nails", "儿童理发": "hair",
    "青丝无硅油洗发水 400ml": "lifestyle", "护发精油 50ml": "lifestyle",
    "潮汕手打牛肉丸 1kg": "groceries", "英德红茶 250g": "tea", "凤凰单丛茶 乌岽蜜兰香": "tea",
    "手工陶瓷茶具套装": "tea", "新会陈皮 十年": "groceries", "广式腊肠 500g": "groceries",
    "蓝牙降噪耳机": "electronics", "荔枝干 500g": "groceries", "帆布托特包": "lifestyle",
    "工夫茶体验课": "classes", "工作日午市双人餐": "hotpot", "男士快剪": "hair",
    "深圳湾明信片套装": "lifestyle",
}

HOURS_RESTAURANT = {d: [["10:30", "22:30"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
HOURS_SALON = {**{d: [["10:00", "21:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
               "sat": [["09:30", "22:00"]], "sun": [["09:30", "22:00"]]}
HOURS_SHOP = {d: [["10:00", "22:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}

MERCHANTS = [
    {
        "key": "hotpot",
        "name": "川味坊火锅",
        "name_en": "Sichuan Flavour Hotpot",
        "business_type": "restaurant",
        "description": "重庆老火锅，牛油锅底现炒。Chongqing-style hotpot with hand-fried beef-tallow broth.",
        "owner": {"username": "hotpot_owner", "display_name": "陈老板 Chen"},
        "stores": [
            {"key": "coastal", "name": "川味坊 海岸城店", "name_en": "Coastal City",
             "address": "深圳市南山区文心五路33号海岸城购物中心4楼", "lat": "22.517580", "lng": "113.936090",
             "hours": HOURS_RESTAURANT, "phone": "0755-26000001"},
            {"key": "hitech", "name": "川味坊 科技园店", "name_en": "Hi-Tech Park",
             "address": "深圳市南山区科技南十二路2号", "lat": "22.540530", "lng": "113.953220",
             "hours": HOURS_RESTAURANT, "phone": "0755-26000002"},
        ],
        "staff": [
            {"username": "hotpot_staff_coastal", "display_name": "小张 (海岸城)", "stores": ["coastal"]},
            {"username": "hotpot_staff_hitech", "display_name": "小刘 (科技园)", "stores": ["hitech"]},
        ],
        "products": [
            {"kind": "SERVICE", "title": "重庆火锅双人套餐", "title_en": "Chongqing hotpot set for two",
             "description": "牛油锅底、毛肚、鸭肠、肥牛、时蔬拼盘、两份甜品。Tallow broth, tripe, duck intestine, beef, vegetables, two desserts.",
             "booking_mode": "voucher", "validity_days": 90, "price": 19800, "original": 26800, "quota": 500},
            {"kind": "SERVICE", "title": "重庆火锅四人套餐", "title_en": "Chongqing hotpot set for four",
             "description": "鸳鸯锅底，十二道菜品，四份饮品。Twin broth, twelve dishes, four drinks.",
             "booking_mode": "voucher", "validity_days": 90, "price": 35800, "original": 49800, "quota": 300},
            {"kind": "SERVICE", "title": "100元代金券", "title_en": "¥100 cash voucher",
             "description": "全场通用，可叠加使用。Good for any dish; several may be used at once.",
             "booking_mode": "voucher", "validity_days": 180, "price": 8800, "original": 10000},
            {"kind": "SERVICE", "title": "毛肚鸭肠拼盘单人餐", "title_en": "Tripe and duck platter, single",
             "description": "工作日午市单人套餐。Weekday lunch set for one.",
             "booking_mode": "voucher", "validity_days": 60, "price": 5900, "original": 7900, "stores": ["hitech"]},
            {"kind": "SERVICE", "title": "生日火锅宴六人套餐", "title_en": "Birthday hotpot feast for six",
             "description": "含生日蛋糕与包间，需提前预订时段。Includes cake and a private room; book a time.",
             "booking_mode": "slot", "duration_minutes": 120, "validity_days": 30, "price": 88800,
             "original": 108800, "schedule": {"start": "17:00", "end": "21:00", "slot": 120, "capacity": 2}},
            {"kind": "SERVICE", "title": "火锅食材外带套餐", "title_en": "Hotpot take-home kit",
             "description": "到店自提的火锅食材包。Raw ingredients to cook at home, collected in store.",
             "booking_mode": "voucher", "validity_days": 14, "price": 12800},
            {"kind": "SERVICE", "title": "工作日午市双人餐", "title_en": "Weekday lunch set for two",
             "description": "周一至周五 11:00-14:00 可用。Monday to Friday, 11:00-14:00.",
             "booking_mode": "voucher", "validity_days": 60, "price": 12800, "original": 16800},
            {"kind": "GOODS", "title": "川味坊牛油火锅底料 500g", "title_en": "Tallow hotpot base 500g",
             "description": "门店同款底料，全国包邮。The same base as in our stores.",
             "price": 3900, "weight": 550, "stock": 800},
            {"kind": "GOODS", "title": "麻辣香肠 礼盒装", "title_en": "Spicy sausage gift box",
             "description": "手工川味香肠 1kg。Handmade Sichuan sausage, 1 kg.",
             "price": 9900, "weight": 1100, "stock": 200},
        ],
    },
    {
        "key": "salon",
        "name": "青丝美发沙龙",
        "name_en": "Silk Hair & Nail Salon",
        "business_type": "beauty",
        "description": "资深发型师一对一服务，美甲美睫。Senior stylists, one-to-one; nails and lashes.",
        "owner": {"username": "salon_owner", "display_name": "Lily 林"},
        "stores": [
            {"key": "seaworld", "name": "青丝 海上世界店", "name_en": "Sea World",
             "address": "深圳市南山区蛇口望海路1128号海上世界", "lat": "22.484050", "lng": "113.913330",
             "hours": HOURS_SALON, "phone": "0755-26000011"},
            {"key": "qianhai", "name": "青丝 前海店", "name_en": "Qianhai",
             "address": "深圳市南山区前海梦海大道5035号", "lat": "22.538070", "lng": "113.898050",
             "hours": HOURS_SALON, "phone": "0755-26000012"},
        ],
        "staff": [
            {"username": "salon_staff", "display_name": "Amy 前台", "stores": []},
        ],
        "products": [
            {"kind": "SERVICE", "title": "资深发型师精剪造型", "title_en": "Senior stylist cut and style",
             "description": "洗、剪、吹造型，约60分钟。Wash, cut and blow-dry, about an hour.",
             "booking_mode": "slot", "duration_minutes": 60, "validity_days": 30, "price": 16800,
             "original": 22800, "schedule": {"start": "10:00", "end": "20:00", "slot": 60, "capacity": 3}},
            {"kind": "SERVICE", "title": "洗剪吹十次卡", "title_en": "Wash, cut and dry: 10-visit card",
             "description": "十次使用，一年有效，可多次到店核销。Ten visits in a year, redeemed visit by visit.",
             "booking_mode": "voucher", "uses": 10, "validity_days": 365, "price": 98000, "original": 168000},
            {"kind": "SERVICE", "title": "日式美甲单色", "title_en": "Japanese gel nails, one colour",
             "description": "美甲 单色光疗，约90分钟。Gel manicure, one colour, about 90 minutes.",
             "booking_mode": "slot", "duration_minutes": 90, "validity_days": 30, "price": 12800,
             "schedule": {"start": "11:00", "end": "20:00", "slot": 90, "capacity": 2}},
            {"kind": "SERVICE", "title": "男士快剪", "title_en": "Men's quick cut",
             "description": "20分钟快剪，不含洗吹。A 20-minute cut, no wash.",
             "booking_mode": "slot", "duration_minutes": 20, "validity_days": 14, "price": 3800,
             "schedule": {"start": "12:00", "end": "20:00", "slot": 20, "capacity": 1}},
            {"kind": "SERVICE", "title": "头皮深层护理", "title_en": "Deep scalp treatment",
             "description": "头皮检测与深层清洁护理。Scalp check and deep cleanse.",
             "booking_mode": "voucher", "validity_days": 60, "price": 19800, "original": 29800},
            {"kind": "SERVICE", "title": "时尚染发（短发）", "title_en": "Colour, short hair",
             "description": "进口染膏，含护理。Imported colour with conditioning.",
             "booking_mode": "slot", "duration_minutes": 120, "validity_days": 30, "price": 38800,
             "original": 58800, "schedule": {"start": "10:00", "end": "18:00", "slot": 120, "capacity": 2}},
            {"kind": "SERVICE", "title": "睫毛嫁接自然款", "title_en": "Natural eyelash extensions",
             "description": "单根嫁接，约75分钟。Single-lash extensions, about 75 minutes.",
             "booking_mode": "voucher", "validity_days": 60, "price": 15800, "stores": ["seaworld"]},
            {"kind": "SERVICE", "title": "儿童理发", "title_en": "Children's haircut",
             "description": "12岁以下儿童。Under twelve.",
             "booking_mode": "voucher", "validity_days": 90, "price": 4800},
            {"kind": "GOODS", "title": "青丝无硅油洗发水 400ml", "title_en": "Silicone-free shampoo 400ml",
             "description": "沙龙专用洗护。Salon-grade.", "price": 8800, "weight": 450, "stock": 300},
            {"kind": "GOODS", "title": "护发精油 50ml", "title_en": "Hair oil 50ml",
             "description": "摩洛哥坚果油。Argan oil.", "price": 12800, "weight": 120, "stock": 150},
        ],
    },
    {
        "key": "shop",
        "name": "山海好物",
        "name_en": "Shanhai Goods",
        "business_type": "retail",
        "description": "岭南特产与生活好物，快递到家或门店自提。Lingnan specialities, shipped or collected in store.",
        "owner": {"username": "shop_owner", "display_name": "黄店长 Huang"},
        "stores": [
            {"key": "bookcity", "name": "山海好物 南山书城店", "name_en": "Nanshan Book City",
             "address": "深圳市南山区南海大道2748号南山书城1楼", "lat": "22.525300", "lng": "113.929500",
             "hours": HOURS_SHOP, "phone": "0755-26000021"},
            {"key": "oct", "name": "山海好物 欢乐海岸店", "name_en": "OCT Harbour",
             "address": "深圳市南山区白石路8号欢乐海岸", "lat": "22.521900", "lng": "113.985100",
             "hours": HOURS_SHOP, "phone": "0755-26000022"},
        ],
        "staff": [
            {"username": "shop_staff", "display_name": "阿强 (书城)", "stores": ["bookcity"]},
        ],
        "products": [
            {"kind": "GOODS", "title": "潮汕手打牛肉丸 1kg", "title_en": "Chaoshan beef balls 1kg",
             "description": "冷链配送。Cold-chain delivery.", "price": 8800, "weight": 1100, "stock": 400},
            {"kind": "GOODS", "title": "英德红茶 250g", "title_en": "Yingde black tea 250g",
             "description": "英红九号。Yinghong No. 9.", "price": 12800, "weight": 300, "stock": 250,
             "variants": [{"name": "250g", "attributes": {"weight": "250g"}, "price": 12800},
                          {"name": "500g", "attributes": {"weight": "500g"}, "price": 23800}]},
            {"kind": "GOODS", "title": "凤凰单丛茶 乌岽蜜兰香", "title_en": "Phoenix Dancong oolong",
             "description": "潮州凤凰山。From Phoenix Mountain, Chaozhou.", "price": 16800, "weight": 200, "stock": 120},
            {"kind": "GOODS", "title": "手工陶瓷茶具套装", "title_en": "Handmade ceramic tea set",
             "description": "一壶四杯。One pot, four cups.", "price": 29900, "weight": 1500, "stock": 60},
            {"kind": "GOODS", "title": "新会陈皮 十年", "title_en": "Xinhui tangerine peel, 10 years",
             "description": "正宗新会柑皮。", "price": 19800, "weight": 250, "stock": 90},
            {"kind": "GOODS", "title": "广式腊肠 500g", "title_en": "Cantonese sausage 500g",
             "description": "广式风味。", "price": 6800, "weight": 550, "stock": 300},
            {"kind": "GOODS", "title": "蓝牙降噪耳机", "title_en": "Noise-cancelling Bluetooth earbuds",
             "description": "深圳华强北设计。Designed in Shenzhen.", "price": 39900, "weight": 200, "stock": 50,
             "variants": [{"name": "黑色 Black", "attributes": {"colour": "black"}, "price": 39900},
                          {"name": "白色 White", "attributes": {"colour": "white"}, "price": 39900}]},
            {"kind": "GOODS", "title": "荔枝干 500g", "title_en": "Dried lychee 500g",
             "description": "增城桂味。", "price": 5900, "weight": 550, "stock": 500},
            {"kind": "GOODS", "title": "深圳湾明信片套装", "title_en": "Shenzhen Bay postcards",
             "description": "十二张手绘明信片。Twelve hand-drawn postcards.", "price": 2900, "weight": 150,
             "stock": 1000},
            {"kind": "GOODS", "title": "帆布托特包", "title_en": "Canvas tote bag",
             "description": "深圳湾插画。Shenzhen Bay illustration.", "price": 7900, "weight": 300, "stock": 0},
            {"kind": "SERVICE", "title": "工夫茶体验课", "title_en": "Gongfu tea class",
             "description": "茶艺师带领，90分钟品鉴六款茶。A tea master, six teas, 90 minutes.",
             "booking_mode": "slot", "duration_minutes": 90, "validity_days": 30, "price": 9900,
             "stores": ["bookcity"],
             "schedule": {"start": "14:00", "end": "20:00", "slot": 90, "capacity": 8}},
        ],
    },
]

# Live offers (issue 12): coupons to claim, spend tiers and a limited-time price. Amounts
# in fen; the windows start when the demo loads.
COUPONS = [
    {"merchant": "hotpot", "title": "川味坊 满100减20", "kind": "amount", "amount_off_fen": 2000,
     "threshold_fen": 10000, "valid_days": 30, "total_quantity": 1000, "per_customer_limit": 1},
    {"merchant": "salon", "title": "青丝 8折券 最高减50", "kind": "percent", "percent_off": 20,
     "max_off_fen": 5000, "valid_days": 30, "total_quantity": 500, "per_customer_limit": 1},
    # The platform funds this one, under a budget cap (claims stop there).
    {"merchant": None, "title": "平台通用 无门槛¥5", "kind": "amount", "amount_off_fen": 500,
     "threshold_fen": 0, "valid_days": 14, "total_quantity": 10000, "per_customer_limit": 1,
     "budget_cap_fen": 5_000_00},
]
SPEND_TIERS = [  # (merchant key, threshold, amount off, days)
    ("shop", 20000, 3000, 90),
    ("shop", 40000, 7000, 90),
]
SKU_PRICES = [  # (merchant key, product title, price, days)
    ("shop", "凤凰单丛茶 乌岽蜜兰香", 13800, 14),
]
