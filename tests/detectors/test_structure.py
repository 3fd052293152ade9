"""The offer structure (detectors/structure.py): what counts as a hook, what turns an offer around, and which
offers are read when the message names no AI."""

import pytest

from detectors.text import normalize as norm_mod
from tests.support.engine import shared_engine


def _offer(text: str):
    return shared_engine().read_offer(text)[0]


def _counters(text: str) -> list[str]:
    offer = _offer(text)
    assert offer is not None, text
    return [c.id for c, _ in offer.counters]


def test_urgency_and_half_price_words_are_hooks():
    # these literal hook words were once never matched: only rules' and items' literals reached the matcher
    offer = _offer("Sora内测号 三个 手慢无")
    assert offer is not None and "urgency" in offer.hooks
    offer = _offer("ChatGPT Plus 账号 比官方便宜")
    assert offer is not None and "price" in offer.hooks
    offer = _offer("two spare Sora codes, first come first served")
    assert offer is not None and "urgency" in offer.hooks


def _reads(text: str, item: str, hook: str) -> bool:
    offer = _offer(text)
    return offer is not None and offer.item.id == item and hook in offer.hooks


@pytest.mark.parametrize("text", [
    "mod here, send me the 6-digit code you just got so I can confirm your role",
    "群管理：把你收到的验证码发我一下，确认身份",
])
def test_asking_for_the_one_time_code_just_received_is_posing_as_staff(text):
    # account takeover whatever the group talks about: the code is the login
    assert _reads(text, "impersonation", "request")


@pytest.mark.parametrize("text", [
    "S0ra文生视频实战课 限时特价99 课程链接私聊获取",   # the "S" of S0ra once read as the sarcasm tag "/s"
    "Sora 课程 299，第1节免费，私我",                 # a lone "1" once read as "one (1)"
])
def test_an_advert_is_no_joke(text):
    assert "satire" not in _counters(text)


@pytest.mark.parametrize("text", [
    "Selling my Sora 2 account for one (1) firm handshake",
    "Sora invite for sale, only $9999 /s",
])
def test_sarcasm_tags_turn_an_offer_into_a_joke(text):
    assert "satire" in _counters(text)


def test_a_contact_inside_a_quoted_advert_does_not_silence_the_report():
    text = "又收到私信：“Sora内测号 299，想要的加vx sora_vip88”，这套话术我都能背下来了"
    assert "reported" in _counters(text)
    # the same contact outside the quotes is the writer's own: then nothing turns the offer around
    assert _counters("这套话术我都能背下来了：Sora内测号 299，想要的加vx sora_vip88") == []


def test_free_bait_with_a_contact_is_no_giveaway():
    assert "free" not in _counters("AI时代不学就被淘汰，免费讲座今晚八点，加我微信报名")
    assert "free" in _counters("我有多的Sora邀请码，免费送，不要钱")


def test_skipping_the_waitlist_is_a_selling_point_not_an_official_pointer():
    assert "official" not in _counters("Sora 2 invite codes, no waitlist, $25 each")


@pytest.mark.parametrize("text, category", [
    ("yqm 还剩5个 先到先得 dd", "fake_access"),   # invite codes in pinyin initials, "DM me" as dd
    ("jc+zl 全套 一九九 滴我", "paid_course"),     # tutorial + material, price in words
    ("yqm 只有4个了 老规矩 滴滴", "fake_access"),   # "the usual terms", "DM me" as 滴滴
    ("few spare codes left, $15 each, dm", "fake_access"),
    ("tsc合集 九块九", "paid_course"),           # a price in words with no AI word: once never read
])
def test_a_slang_offer_naming_no_ai_is_still_read(text, category):
    verdict = shared_engine().analyze(text)
    assert verdict.label == "scam" and category in verdict.categories


@pytest.mark.parametrize("text", [
    "cooking class £80, DM me",
    "车位出租 每月450 私聊",
    "出一张二手4090显卡，999包邮",
    "公司下个月开班培训Excel，免费，自愿报名",
    "Our company newsletter goes out on Friday, subscribe on the intranet",
])
def test_an_ordinary_offer_naming_no_ai_is_not_called_an_ai_scam(text):
    assert shared_engine().analyze(text).label != "scam"


@pytest.mark.parametrize("text, value", [
    ("Sora invite? a fiver gets you one", 5.0),
    ("VIP group, twenty a month", 20.0),
    ("the course is two grand", 2000.0),
    ("invites fifty each", 50.0),
])
def test_money_slang_is_a_price(text, value):
    from detectors.text.number_words import word_prices

    assert [v for _, _, v in word_prices(text)] == [value]


@pytest.mark.parametrize("text", ["the grand finale was great", "I take one a day", "two of us went"])
def test_ordinary_number_words_are_no_price(text):
    from detectors.text.number_words import word_prices

    assert word_prices(text) == []


@pytest.mark.parametrize("text", [
    "有人私我卖 Sora 2 邀请码 25刀一个，我直接report了",
    # the seller someone dealt with (卖家 alone is the audience: see the next test)
    "问卖家要发票，卖家说 Sora 内测号 199 一个不开票，我没买",
    "這個賣家賣 Kling 共享號，一個月 NT$300，收錢就拉黑",
])
def test_a_report_of_someone_elses_offer_is_named_as_one(text):
    assert "reported" in _counters(text)


@pytest.mark.parametrize("text", [
    "Gemini Ultra 共享号现货，淘宝卖家优先，一个月 199，私我",
    "GPT-5 內測帳號，蝦皮賣家專屬，一組 NT$599，私訊",
])
def test_sellers_named_as_the_audience_are_no_report(text):
    # in a sellers' group 卖家 is whom the offer is for, not someone else the writer tells of
    assert "reported" not in _counters(text)


def test_the_writers_own_contact_after_a_report_still_makes_it_an_offer():
    assert _counters("My sister joined a paid Sora creators group for $199/month. Mine is better, DM me") == []


def test_news_of_real_availability_is_news():
    assert "news" in _counters("Sora 2 accounts are rolling out to Plus users in Canada, $20 a month")


def test_an_absurd_price_is_a_joke():
    assert "satire" in _counters("出售 Sora 内测号，只要一个肾，私聊")


def test_a_warning_that_ends_in_the_writers_own_stock_is_an_offer():
    assert _counters("提醒大家别买那种三百的 Sora 邀请码，都是假的！我这边是美国朋友直送，两百元就好") == []


@pytest.mark.parametrize("text", [
    "PSA don't use those sketchy Claude relays that leak your prompts. Use ours instead, $5 gets you $50 of tokens",
    "$10 Sora invite codes in here are mostly fake, be careful. try mine instead",
])
def test_a_warning_that_sends_the_reader_to_the_writers_own_goods_is_an_offer(text):
    assert _counters(text) == []


@pytest.mark.parametrize("text, item", [
    ("Bro your career as a designer is finished. DM me, I'll guide you through the AI course, small fee", "course"),
    ("Sora 2 beta invites are open for a fee, link in my bio", "access"),
    ("我有 Sora 内测名额可以帮你申请，象征性收费，私我", "access"),
    ("美区 ChatGPT Plus 账号，我表哥开的，给个辛苦费就行，私我", "access"),
])
def test_a_fee_with_no_number_is_a_price(text, item):
    assert _reads(text, item, "price"), text


@pytest.mark.parametrize("text", [
    "Discord Support here: your Sora account was flagged. Verify at dlscord-support[.]gg to avoid a ban",
    "【官方客服】您的ChatGPT账号异常，请加客服微信 kefu_gpt88 验证",
])
def test_staff_impersonation_wanting_a_login_or_payment_is_an_offer_of_fake_authority(text):
    offer = _offer(text)
    assert offer is not None and offer.item.category == "fake_authority" and not offer.counters


def test_a_moderator_deleting_phishing_links_is_a_warning():
    assert "warning" in _counters("Mod note: verify links like s0ra-ai(.)com are phishing mirrors. Deleted on sight.")


def test_every_item_kind_reads_as_words_in_an_explanation():
    from detectors.packs import load_pack
    from detectors.resemblance import readable_feature

    for kind in load_pack().structure.items:
        for zh in (False, True):
            shown = readable_feature(f"$item_{kind.id}", zh)
            # the fallback names the kind's id ("an offer of impersonation"), not what is offered
            assert shown != ("提供" if zh else "an offer of ") + kind.id, shown


def test_a_reported_advert_reaches_the_admins_but_is_no_public_accusation():
    # the advert pasted whole, words and all: its words lean to a scam, the report holds it below a warning
    verdict = shared_engine().analyze('Sora 2 invite codes, legit, $25 each, PayPal F&F only, DM @codes4u. Reported.')
    assert verdict.label == "suspicious"
    held = [f for f in verdict.findings if f.rule.startswith("structure.") and f.score <= 0]
    assert held and "warns about or reports" in held[0].reason  # the counter-signal is named (holding it, if needed)
    assert any(span.text == "Reported" for span in held[0].evidence)


def test_a_member_telling_of_an_advert_they_got_is_no_accusation():
    verdict = shared_engine().analyze(
        'Got a DM: "Sora 2 invite codes, legit, $25 each, PayPal F&F only, DM @codes4u". Reported.')
    assert verdict.label != "scam"
    named = [f for f in verdict.findings if f.rule.startswith("structure.")]
    assert named and "warns about or reports" in named[0].reason and named[0].score <= 0


def test_a_warning_that_ends_in_the_writers_own_offer_is_still_a_scam():
    verdict = shared_engine().analyze("PSA: most Sora 2 codes here are dead. Mine come from our team allocation. "
                                      "$25 each, DM me")
    assert verdict.label == "scam"
    assert not any(f.rule.startswith("structure.") and f.score < 0 for f in verdict.findings)


@pytest.mark.parametrize("text", [
    "We run a private group for Sora early adopters, $59 entry. Interested?",   # a pitch's closing question
    "不是骗人，真的是Sora生成的，完整提示词 19.9 拿走",                           # a seller's denial is no warning
    "付费社群“AI先行者”第三期开放，名额两百，满员即止，一年 299",                  # a name in quotes, not a quoted ad
    "被AI课程骗过的同学请注意，我们帮你追回学费，服务费 199 元",                    # a recovery scam's warning
    # a warning that ends in the writer's own group or the writer's own "genuine" goods
    "PSA: lots of fake AI task groups going around! only trust verified ones like ours → t.me/taskhub_real "
    "(small joining fee to keep scammers out)",
    "我这个才是官方渠道拿的Sora账号，保真，一个一百，私聊，别被外面的骗子骗了",
])
def test_a_sellers_own_words_are_no_counter_signal(text):
    assert _counters(text) == []


def test_a_warning_followed_by_the_writers_own_price_is_no_warning():
    assert "warning" not in _counters("Beware of fake Sora invite codes everywhere. Real ones here, $25 each")
    # the warning after the price it warns about still holds
    assert "warning" in _counters("Sora invite codes for $25 each in my DMs, lol. Scam, beware")


def test_a_price_in_money_slang_points_at_its_words():
    from detectors.text.number_words import word_prices

    text = "long story short, " * 10 + "the course is two grand"
    [(start, end, _)] = word_prices(text)
    assert text[start:end] == "two grand"


def test_the_counter_signal_a_verdict_names_is_the_one_whose_evidence_it_quotes():
    # a job word comes first in the list, but the report is what holds the offer: its words are quoted, not 岗位
    text = "Sora 邀请码 25刀一个，说是内部岗位福利，有人私我卖的，我直接report了"
    assert _counters(text) == ["job", "reported"]
    [shape] = [f for f in shared_engine().analyze(text).findings if f.detector == "structure"]
    assert shape.rule.endswith(".reported")
    quoted = [span.text for span in shape.evidence]
    assert "岗位" not in quoted and ("说是" in quoted or "有人私我" in quoted)


@pytest.mark.parametrize("text", [
    "ur job is gone in 18 months. not joking. free training in my bio, watch it before it's taken down",
    "Your 9-5 won't exist in 3 years. I'm not saying that to scare you, I'm saying it because I care. DM me \"READY\"",
    "Nurses, your job is next. Free webinar Saturday, then I'll share how to pivot (only 30 seats in the paid cohort)",
    "accountants, the robots are coming for your desk. free masterclass tonight 7pm, link in bio",
])
def test_a_fear_of_being_replaced_funnel_is_about_ai_without_naming_it(text):
    verdict = shared_engine().analyze(text)
    assert verdict.label == "scam" and "anxiety_funnel" in verdict.categories


@pytest.mark.parametrize("text", [
    "我失业三个月了，有没有人内推一下运营岗位",
    "I got laid off last month, any advice on updating my CV?",
    "we're hiring a 9-5 receptionist for the clinic, dm me",
    "don't get left behind on the hike, the group leaves at 7 sharp",
    # a lure with no AI and no fear of AI; worded like writer 60's short funnel «don't get left behind 👉 bio», it was
    # suspicious at 59 writers (0.53), clean at 62, suspicious at 83 (0.65), clean at 89 (0.32)
    "don't get left behind on the hike tomorrow, sign up link in bio",
])
def test_talk_of_losing_a_job_is_not_a_funnel(text):
    assert shared_engine().analyze(text).label == "clean"


def test_whitelist_places_sold_per_email_reach_the_admins_without_an_ai_word():
    verdict = shared_engine().analyze("internal whitelist places, send your e-mail + $50")
    assert verdict.label in ("suspicious", "scam") and "fake_access" in verdict.categories


@pytest.mark.parametrize("text", [
    "徵才：AI課程助教（兼職），時薪250，負責課後答疑，履歷寄 ta-hiring@bluefern.tw",
    "招聘：大模型算法研究员，博士或同等经验，年薪60-90万，简历发 talent@yunjing-lab.cn",
])
def test_a_job_ad_is_no_public_accusation(text):
    assert "hiring" in _counters(text)
    assert shared_engine().analyze(text).label != "scam"


@pytest.mark.parametrize("text", [
    # the job words used to hold these below a public warning; a job that asks the applicant to pay is the scam
    "Now hiring remote Sora prompt testers, $30 an hour, a refundable $45 onboarding deposit is required before your first task",
    "招聘AI配音员，在家接单，时薪80，入职前需购买199元的声音模型培训包",
])
def test_a_job_that_asks_the_applicant_to_pay_is_a_scam_without_a_private_contact(text):
    assert "hiring" in _counters(text)
    assert shared_engine().analyze(text).label == "scam"


def test_a_fake_job_that_asks_for_a_fee_and_a_private_contact_is_still_a_scam():
    verdict = shared_engine().analyze("招聘Sora内测员，日结300，先交99元培训费，加微信 sora_job")
    assert verdict.label == "scam"


@pytest.mark.parametrize("text, counter", [
    ("ChatGPT Plus 我是 official subscription，$20/月，App Store 直接订，不用代充", "official"),
    ("管理員：有帳號冒用我的名字私訊大家「領 GPT-5 會員 99元」，那不是我，請檢舉", "warning"),
    ("九块九合租GPT我之前试过，一天被挤掉三次，真不推荐", "warning"),
    ("呢個 Midjourney account 話 lifetime 得 $88，MJ 根本冇 lifetime plan", "warning"),
    # calling it fake, or telling that the seller was kicked
    ('Someone DMed our CTO offering "GPT-5 internal research endpoint access" for $3,500/year. Obviously fake, flagged to security.',
     "warning"),
    ("群里那个卖 Sora 内测账号的，199 一个，一眼假，别上当", "warning"),
    ("管理员已经把卖 Sora 2 安卓激活码的踢了，66 一个那种，大家别下载", "warning"),
])
def test_members_own_words_for_official_channels_and_warnings(text, counter):
    assert counter in _counters(text)


def test_a_cantonese_no_need_to_pm_is_no_contact():
    # 唔使PM: "no need to PM", a giveaway's words, not a contact lure
    offer = _offer("送碼啦！我手上有兩個Sora 2邀請碼，免費，唔使PM，留言我就喺度覆你")
    assert offer is None or "contact" not in offer.hooks


@pytest.mark.parametrize("text, price", [
    ("got codes. no questions. 25 quid. d.m", "25 quid"),
    ("plus accts 5$ hmu", "5$"),
    ("vip chat open again. 30/mo. ask me", "30/mo"),
    ("codes avail. 15 each. dm", "15 each"),
    ("Colab notebook access ₹199, pay on UPI", "₹199"),
    ("Send 1 peso + screenshot to this number", "1 peso"),
    ("lifetime chatgpt plus PKR 4,000 easypaisa", "pkr 4,000"),
    ("Sora 2 accounts RM40 each, TNG or DuitNow", "rm40"),
    ("bootcamp seat 500 bob, m-pesa only", "500 bob"),
    ("Ksh 1000 to join the group", "ksh 1000"),
])
def test_prices_as_chat_writes_them(text, price):
    found = shared_engine().signals.extract(norm_mod.normalize(text).norm).get("$price", [])
    assert price in [h.term for h in found]


@pytest.mark.parametrize("text", [
    "waitlist skip for the new video model, 100% working. forty bucks and you're in today",
    "invite c o d e s for the new video app, $20 each, btc or cash app",
])
def test_an_unnamed_new_model_is_still_about_ai(text):
    assert shared_engine().analyze(text).label != "clean"


@pytest.mark.parametrize("text", [
    "the prompt pack that got me 2M views on reels is finally out. not cheap, not for everyone. reply PACK",
    "出图稳定的提示词合集 九块九 要的私",
    "咒语大全 持续更新 九块九 私",
    "can move you up the waitlist, 30 bucks, dm",
    "AGI 内部培训资料 一份 199 加v",
])
def test_talk_of_prompts_and_models_is_about_ai_without_naming_one(text):
    assert "classifier.off_topic" not in {f.rule for f in shared_engine().analyze(text).findings}


@pytest.mark.parametrize("text", [
    "OpenAI billing team here: your payment failed, pay through this link today or we suspend your account",
    "Kling staff here. send the last 4 of your card + CVV so I can restore your credits",
])
def test_staff_asking_for_card_details_or_a_payment_link(text):
    assert shared_engine().analyze(text).label == "scam"


@pytest.mark.parametrize("text, category", [
    ("群主换新号了，旧号被盗，Sora会员拼团请加新号", "fake_authority"),   # the admin's "new number"
    ("Sora 課程學費唔夠？可以辦學習貸，先學後付", "paid_course"),  # a training loan: suspicious at 83 writers, scam at 89
])
def test_a_new_number_for_the_admin_and_a_training_loan_are_the_scam(text, category):
    verdict = shared_engine().analyze(text)
    assert verdict.label == "scam" and category in verdict.categories


@pytest.mark.parametrize("text", [
    'victim here: paid 100 usdt to a "claude relay" at 20% of official price. answers got dumber, support chat gone',
    "被騙過：入了一個 AI 接案 LINE 社群，年費三千多，半年只派過一個 500 元的案",
    "I paid the $500 deposit to join a 6-figure AI creators circle. The call was a pre-recorded webinar",
])
def test_a_victim_telling_what_they_paid_is_no_offer(text):
    assert "victim" in _counters(text)
    assert shared_engine().analyze(text).label != "scam"


def test_a_testimonial_that_pushes_its_own_contact_is_still_a_pitch():
    # "I paid" in a seller's mouth: the writer's own contact turns the story back into an offer
    assert _counters("I paid $599 for this Sora course and made it back in a week, dm me for the link") == []


def test_legit_with_a_question_mark_asks():
    assert _counters("legit? guy in the other grp selling sora 2 codes, a tenner") == ["question"]
    assert _counters("sora 2 codes, a tenner, 100% legit, dm me") == []  # a seller's claim denies nothing
    # "legit" with no question mark is the seller's word: it asks nothing
    assert _counters("legit grok heavy alt, got it from a friend at a startup. $30 one time") == []


def test_vibes_are_a_joke_only_as_the_payment():
    assert _counters("Sora 2 invite codes, paid in vibes only, dm") == ["satire"]
    assert _counters("selling my gpt plus alt, paid thru dec, $8/mo shared w 4 ppl, chill vibes only") == []


@pytest.mark.parametrize("text", ["selling my gpt plus alt, $8/mo, dm", "2 claude alts left, 15 each"])
def test_an_alt_account_is_an_access_item(text):
    assert _reads(text, "access", "price")


@pytest.mark.parametrize("text", [
    '转一条骗子广告给大家避雷："内测号到货，两百九十九包售后，加v：soraking88"，中间打点就是为了躲关键词',
    "Heads up, scam going around: 'Sora 2 invite codes, $25 each, DM @codeplug'. Codes are free",
])
def test_a_warning_that_quotes_the_adverts_price_is_still_a_warning(text):
    assert "warning" in _counters(text)


def test_a_warning_followed_by_the_writers_own_price_is_a_pitch():
    assert "warning" not in _counters("beware of fake sora codes, mine come from our team, $25 each, dm")


@pytest.mark.parametrize("text", [
    "加🐧群 看 s2 最新玩法，群费九块九",
    "AI creators collective, $35 onboarding fee, pay by Revolut",
])
def test_a_fee_to_get_into_a_group_is_a_place_on_sale(text):
    assert _reads(text, "group", "price")


def test_rm_is_ringgit_only_before_a_number():
    assert "$price" not in shared_engine().signals.extract(norm_mod.normalize("rm -rf build, then run it 2 times").norm)


@pytest.mark.parametrize("text", [
    "copilot support: share the OTP we sent to confirm it's u",
    "perplexity billing: card declined, reply w card no + cvv",
    "(official) DeepSeek 社区管理员: 检测到你的 API key 泄露, 请把 key 和注册手机号发我帮你 reset",
])
def test_fake_staff_asking_for_a_login_hooks_the_reader_by_the_request(text):
    offer = _offer(text)
    assert offer is not None and offer.item.id == "impersonation" and "request" in offer.hooks


def test_a_login_asked_for_by_a_fake_mod_is_read_without_an_ai_word():
    verdict = shared_engine().analyze("Mod here: we're verifying all members. DM me your email + password so I can keep you in")
    assert verdict.label in ("suspicious", "scam") and "fake_authority" in verdict.categories


def test_a_member_warning_about_such_requests_is_no_request_for_a_login():
    assert shared_engine().analyze("Reminder: no mod will ever ask you to share your OTP or password. Report anyone who does").label == "clean"


@pytest.mark.parametrize("text, product", [
    ("Synthesia business seats, £40 a month, PM me", "synthesia"),
    ("ex-DeepMind researcher, my course is the only one that teaches what the labs do", "gemini"),
    ("混元内测资格 私我", "hunyuan"),
    ("Leonardo AI lifetime plan 25 usd", "leonardo"),
])
def test_more_ai_products_are_named(text, product):
    assert f"@product:{product}" in shared_engine()._hits(norm_mod.normalize(text))


def test_the_painter_is_no_product():
    assert "@product:leonardo" not in shared_engine()._hits(norm_mod.normalize("Leonardo painted the Mona Lisa"))


@pytest.mark.parametrize("text, counter", [
    ("sora accounts $5 dm — the login helper they send is a credential stealer, don't install", "warning"),
    ("Sora账号 5块一个 私聊 —— 发来的登录器是木马，别安装", "warning"),
    ("sora pro accounts for $20 each going around on discord, nobody can deliver that", "warning"),
    ("Sora 2 codes $15 each dm @plug — my sis sent me this, she's 15", "reported"),
    ("sora seat $40/month dm — she paid and got locked out two days later", "victim"),
    ("My sister joined a paid Sora creators circle for $199/month. It is a channel reposting OpenAI's blog", "victim"),
    ("Sora 2 邀请码 30一个 私信 —— 我付了钱，钱打过去就被拉黑了", "victim"),
])
def test_members_telling_of_malware_relatives_and_losses_turn_the_offer_around(text, counter):
    assert counter in _counters(text)
    assert shared_engine().analyze(text).label != "scam"


def test_a_seller_promising_he_will_not_run_off_is_still_selling():
    # "不跑路" is a seller's reassurance, not a victim's "跑路了"
    assert shared_engine().analyze("Sora内测号 299一个 老店不跑路 加v sora888").label == "scam"


def test_a_victim_naming_the_sellers_handle_is_no_pitch():
    text = "Got scammed 了 😭 在 Telegram 买 Claude Pro account RM 80，seller @claude_my_store 收钱后就 block 我"
    assert "victim" in _counters(text)
    assert shared_engine().analyze(text).label != "scam"


@pytest.mark.parametrize("text", [
    "editors crying rn. it's coming for us all. learn this in a weekend, $49, dm",
    "再唔學就冇工開 私我 課程三百蚊",
])
def test_fear_of_losing_the_job_stands_for_ai(text):
    assert shared_engine().analyze(text).label == "scam"


@pytest.mark.parametrize("text, label", [
    # slang goods, a price and a contact: the playbook with no AI word. Bare 滴 is no contact cue (一滴水, 打滴滴),
    # so only the words carry it, and it sits near the line: a scam at 35 to 41 writers, from 50 to 65 and at 71,
    # suspicious at 44 and at 68 (0.690; it reached the admins either way)
    ("ke程 199 滴", "scam"),
    ("nc号最后三个了 手慢无", "scam"),
    ("积分号 一万积分 便宜出 私", "scam"),            # points accounts for the AI video apps: telltale goods
    ("独享号 包月不卡 要的戳", "scam"),
    ("pro seats half price, pay first i add u", "scam"),
    ("p.l.u.s accts lifetime, one time pay, hmu", "scam"),
    # 'seats' and 'half price' are also the words of seat resellers: suspicious at 59 writers (0.46), clean at 62
    ("selling my concert seats half price, dm", "clean"),
    ("yoga course £80 for 6 weeks, dm me to book", "clean"),
    ("selling my old bike, 120 quid, dm", "clean"),
    # 'paid discord' and 'moving to' are also the words of fake moderators moving a group to a paid server: this
    # line sits on the decision line (suspicious at 38 to 41 writers, clean at 44 and 50, a scam at 53, suspicious at
    # 56, clean at 59, a scam at 62, suspicious at 65 and at 68)
    pytest.param("our book club is moving to a paid discord, £3 a month, dm for the link", "clean",
                 marks=pytest.mark.xfail(strict=True, reason="a scam at 89 writers (0.91), at 83 (0.89) and at 77 (0.94; 'moving to', 'is moving', 'paid discord'), "
                                         "suspicious at 71 (0.472), 68 (0.531) and 65, a scam at 62: its words lean to the scam "
                                         "samples («Paid Discord. inside: the method. outside: nothing.»)")),
])
def test_offers_that_name_no_ai_are_judged_by_their_goods(text, label):
    assert shared_engine().analyze(text).label == label


def test_a_loss_told_with_no_offer_shape_is_no_public_scam():
    # the pitch is quoted from memory, the writer paid and lost: the victim counter holds it with no offer read
    # (named in the verdict when the words alone lean to a scam; here they already read it as a story)
    text = "Sora director program, first AI movie, be a first-generation AI director, audition now — I paid to join and never heard back"
    engine = shared_engine()
    assert engine.analyze(text).label != "scam"
    n = norm_mod.normalize(text)
    hits = engine._hits(n)
    assert engine.structure.read(hits, n.norm) is None  # no offer shape of its own
    held = engine.structure.capping_without_offer(hits, n.norm)
    assert held is not None and held[0].id == "victim"


@pytest.mark.parametrize("text", [
    "got scammed by the sora seller earlier in this chat? i'm a blockchain forensics investigator, I can trace the USDT and get it back",
    "提醒一下大家，最近好多中转站跑路了。我们是企业合作线路，不跑路，充五百送一百",
])
def test_a_recovery_agent_or_a_seller_who_will_not_run_off_is_no_victim(text):
    engine = shared_engine()
    n = norm_mod.normalize(text)
    assert engine.structure.capping_without_offer(engine._hits(n), n.norm) is None


def test_a_short_message_that_deals_is_discounted_less_for_naming_no_ai():
    # a short line has no room for an AI word, so when it offers, prices or points somewhere its absence says
    # less: slang offers are read; short chat that deals in nothing keeps the full discount
    e = shared_engine()

    def off_topic(text: str) -> float:
        return next(f.score for f in e.analyze(text).findings if f.rule == "classifier.off_topic")

    long_offer = "selling my old bike, 120 quid, dm me if you want it this weekend"
    assert off_topic("got 3 left, dm") > off_topic(long_offer)
    assert off_topic("大家好，今天聊聊周末去哪") == off_topic(long_offer)
    assert off_topic("大家好，今天聊聊新模型") == off_topic(long_offer)  # AI talk that deals in nothing
    assert e.analyze("vip群 还有3个位 懂的滴").label == "scam"
    for text in ("收到，谢谢", "大家好，今天聊聊周末去哪", "大家好，今天聊聊新模型", "车位出租 每月450 私聊",
                 "selling my old bike, 120 quid, dm"):
        assert e.analyze(text).label == "clean", text


def test_overwhelmingly_ordinary_wording_leaves_a_scattered_offer_to_the_admins():
    # a long warning or an honest course page holds an item, a price and a contact somewhere: wording that sure of
    # ordinary chat is not overruled into a public accusation, but held just below the threshold and named
    from detectors.structure import STRUCTURE_CEILING, STRUCTURE_FLOOR, WORDS_OVERRULE

    reader = shared_engine().structure
    offer = _offer("Selling Sora invite codes, $25 each, DM @codeplug")
    assert offer is not None and offer.strong and not offer.counters
    lifted = reader.finding(offer, (), z=-2.0, threshold=0.85, words=-WORDS_OVERRULE + 1)
    assert lifted.rule == "structure.access" and lifted.score == pytest.approx(0.85 + STRUCTURE_FLOOR + 2.0)
    held = reader.finding(offer, (), z=-9.0, threshold=0.85, words=-WORDS_OVERRULE - 1)
    assert held.rule == "structure.access.ordinary_wording" and held.category == "fake_access"
    assert held.score == pytest.approx(0.85 - STRUCTURE_CEILING + 9.0)  # suspicious: the admins see it
    assert "left for the admins" in held.reason
