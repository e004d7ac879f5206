//! Chinese text → characters a speech engine reads correctly: years digit by digit, dates, clock times,
//! percentages, money, units and plain numbers; full-width digits too.

use std::sync::LazyLock;

use regex::{Captures, Regex};

use super::zh_words::{cardinal, decimal, digits};

fn re(pattern: &str) -> Regex {
    // The patterns are constants of this file, checked by its tests.
    Regex::new(pattern).unwrap_or_else(|e| panic!("bad built-in pattern {pattern}: {e}"))
}

const NUM: &str = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?";

static ISO_DATE: LazyLock<Regex> = LazyLock::new(|| re(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})"));
static YEAR: LazyLock<Regex> = LazyLock::new(|| re(r"(\d{2,4})\s?年"));
static MONTH: LazyLock<Regex> = LazyLock::new(|| re(r"(\d{1,2})\s?月"));
static DAY: LazyLock<Regex> = LazyLock::new(|| re(r"(\d{1,2})\s?[日号]"));
static TIME: LazyLock<Regex> = LazyLock::new(|| re(r"([01]?\d|2[0-3])[:：]([0-5]\d)"));
static PERCENT: LazyLock<Regex> = LazyLock::new(|| re(&format!(r"({NUM})\s?[%％]")));
static MONEY_PREFIX: LazyLock<Regex> =
    LazyLock::new(|| re(&format!(r"([¥￥$€£])\s?({NUM})\s?(万亿|亿|万|千)?(元|美元|欧元|英镑)?")));
static UNIT: LazyLock<Regex> =
    LazyLock::new(|| re(&format!(r"({NUM})\s?(km/h|km|kg|cm|mm|ml|°C|℃|m²|GB|MB|m|g)(?:\b|$|[^A-Za-z])")));
static NUMBER: LazyLock<Regex> = LazyLock::new(|| re(&format!(r"(^|[^\d.])(-)?({NUM})")));

fn full_width_to_ascii(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '．' => '.',
            _ => c,
        })
        .collect()
}

fn number(text: &str) -> String {
    decimal(text).unwrap_or_else(|| text.to_string())
}

fn unit_words(unit: &str) -> &'static str {
    match unit {
        "km/h" => "公里每小时",
        "km" => "公里",
        "kg" => "公斤",
        "cm" => "厘米",
        "mm" => "毫米",
        "ml" => "毫升",
        "°C" | "℃" => "摄氏度",
        "m²" => "平方米",
        "GB" => "G B",
        "MB" => "M B",
        "m" => "米",
        _ => "克",
    }
}

/// Rewrites one Chinese sentence for speech.
pub fn normalize(text: &str) -> String {
    let mut s = full_width_to_ascii(text);
    s = ISO_DATE
        .replace_all(&s, |c: &Captures| {
            let month: u64 = c[2].parse().unwrap_or(0);
            let day: u64 = c[3].parse().unwrap_or(0);
            if (1..=12).contains(&month) && (1..=31).contains(&day) {
                format!("{}年{}月{}日", digits(&c[1]), cardinal(month), cardinal(day))
            } else {
                c[0].to_string()
            }
        })
        .into_owned();
    s = YEAR.replace_all(&s, |c: &Captures| format!("{}年", digits(&c[1]))).into_owned();
    s = MONTH
        .replace_all(&s, |c: &Captures| match c[1].parse::<u64>() {
            Ok(m @ 1..=12) => format!("{}月", cardinal(m)),
            _ => c[0].to_string(),
        })
        .into_owned();
    s = DAY
        .replace_all(&s, |c: &Captures| match c[1].parse::<u64>() {
            Ok(d @ 1..=31) => format!("{}{}", cardinal(d), &c[0][c[1].len()..].trim_start()),
            _ => c[0].to_string(),
        })
        .into_owned();
    s = TIME
        .replace_all(&s, |c: &Captures| {
            let hour: u64 = c[1].parse().unwrap_or(0);
            let minute: u64 = c[2].parse().unwrap_or(0);
            let hour_words = if hour == 2 { "两".to_string() } else { cardinal(hour) };
            match minute {
                0 => format!("{hour_words}点整"),
                1..=9 => format!("{hour_words}点零{}分", cardinal(minute)),
                _ => format!("{hour_words}点{}分", cardinal(minute)),
            }
        })
        .into_owned();
    s = PERCENT.replace_all(&s, |c: &Captures| format!("百分之{}", number(&c[1]))).into_owned();
    s = MONEY_PREFIX
        .replace_all(&s, |c: &Captures| {
            let unit = match &c[1] {
                "$" => "美元",
                "€" => "欧元",
                "£" => "英镑",
                _ => "元",
            };
            let scale = c.get(3).map(|m| m.as_str()).unwrap_or("");
            format!("{}{scale}{unit}", number(&c[2]))
        })
        .into_owned();
    s = UNIT
        .replace_all(&s, |c: &Captures| {
            let matched = &c[0];
            let unit_end = c.get(2).map(|m| m.end() - c.get(0).map(|m| m.start()).unwrap_or(0)).unwrap_or(0);
            format!("{}{}{}", number(&c[1]), unit_words(&c[2]), &matched[unit_end..])
        })
        .into_owned();
    s = NUMBER
        .replace_all(&s, |c: &Captures| {
            let sign = if c.get(2).is_some() { "负" } else { "" };
            format!("{}{sign}{}", &c[1], number(&c[3]))
        })
        .into_owned();
    s
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn table() {
        let table = [
            ("会议于2026年11月29日举行。", "会议于二零二六年十一月二十九日举行。"),
            ("日期是2024-06-05。", "日期是二零二四年六月五日。"),
            ("上午10:30开会。", "上午十点三十分开会。"),
            ("下午2:00出发。", "下午两点整出发。"),
            ("晚上9:05到达。", "晚上九点零五分到达。"),
            ("增长了3.5%。", "增长了百分之三点五。"),
            ("支持率为６２％。", "支持率为百分之六十二。"),
            ("售价¥1,200。", "售价一千二百元。"),
            ("投资$5亿。", "投资五亿美元。"),
            ("全程42km。", "全程四十二公里。"),
            ("气温31℃。", "气温三十一摄氏度。"),
            ("重达2.5kg。", "重达二点五公斤。"),
            ("共有1234人。", "共有一千二百三十四人。"),
            ("人口14亿。", "人口十四亿。"),
            ("气温-5度。", "气温负五度。"),
            ("第3届。", "第三届。"),
            ("5号线。", "五号线。"),
        ];
        for (input, expected) in table {
            assert_eq!(normalize(input), expected, "{input}");
        }
    }

    #[test]
    fn text_without_numbers_is_unchanged() {
        let s = "记者今天采访了市长，他说：“我们会尽力。”";
        assert_eq!(normalize(s), s);
    }
}
