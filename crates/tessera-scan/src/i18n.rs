//! The app's words in English and Simplified Chinese.
//!
//! Every string a person sees goes through here, so a test can show every screen in both
//! languages (the bundled font must have a glyph for each character: egui_kittest fails on a
//! missing glyph).

use tessera_core::{AttrId, AttrValue, Reason};
use tessera_qr::DecodeError;

pub use tessera_ui::Lang;

/// A fixed piece of user-interface text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum T {
    /// Window and header title.
    AppTitle,
    /// The badge shown while the embedded demo trust list is in use.
    DemoBadge,
    /// What the demo badge means.
    DemoExplain,
    /// Label of the language switch.
    Language,
    /// Label of the image path field.
    ImageFile,
    /// Placeholder in the image path field.
    ImageFileHint,
    /// The button that scans the image at the path.
    ScanImage,
    /// How to drop a file.
    DropHint,
    /// Shown while a file is dragged over the window.
    DropNow,
    /// Label of the counter code field.
    CounterCode,
    /// What the counter code does.
    CounterExplain,
    /// The counter code field is empty.
    CounterNone,
    /// The counter code field holds something that is not a code.
    CounterInvalid,
    /// The code the verifier now requires.
    CounterActive,
    /// Scanning waits for a valid counter code or an empty field.
    ScanPaused,
    /// An image given while scanning was paused.
    NotScannedPaused,
    /// A scan is running.
    Reading,
    /// Images waiting after the current one.
    Queued,
    /// The valid verdict banner.
    Valid,
    /// The invalid verdict banner.
    Invalid,
    /// Label before the purpose.
    Purpose,
    /// Label before the issuer.
    Issuer,
    /// Heading of the disclosed items.
    Disclosed,
    /// Under the disclosed items.
    NothingElse,
    /// Label before the trust list age.
    TrustAge,
    /// Label before the status list age.
    StatusAge,
    /// A status list was not used.
    NotChecked,
    /// Heading of the verifier's warnings.
    Warnings,
    /// Label before the technical detail.
    Detail,
    /// The button that leaves the verdict screen.
    ScanNext,
    /// Heading of the history.
    History,
    /// The history is empty.
    HistoryEmpty,
    /// Where the history lives.
    HistoryNote,
    /// The button that empties the history.
    ClearHistory,
    /// A history entry without a verdict.
    NoCodeRead,
    /// Heading of an image that gave no verdict.
    ImageError,
    /// Alternative text of the portrait.
    Portrait,
    /// More than one code in an image.
    MoreCodes,
    /// The trust list in use.
    TrustList,
    /// Problems with the trust data directory.
    TrustProblems,
    /// The decoder stopped without an answer.
    DecoderFailed,
    /// Label of the camera device field.
    Camera,
    /// The button that starts the camera.
    StartCamera,
    /// The button that stops the camera.
    StopCamera,
    /// Alternative text of the camera preview.
    CameraPreview,
}

impl T {
    /// The text in `lang`.
    pub fn get(self, lang: Lang) -> &'static str {
        let (en, zh) = match self {
            T::AppTitle => ("Tessera Scan", "Tessera 扫码核验"),
            T::DemoBadge => ("DEMO trust list", "DEMO 演示信任列表"),
            T::DemoExplain => (
                "This device trusts only the public demo issuer. Its keys are published: a valid \
                 demo ID proves nothing about anyone. Start with --trust-dir and --root for real use.",
                "本设备只信任公开的演示签发方，其密钥是公开的：演示证件有效并不能证明任何人的身份。\
                 正式使用请以 --trust-dir 和 --root 启动。",
            ),
            T::Language => ("Language", "语言"),
            T::ImageFile => ("Image file", "图像文件"),
            T::ImageFileHint => (
                "path to a PNG or JPEG with the QR code",
                "含二维码的 PNG 或 JPEG 文件路径",
            ),
            T::ScanImage => ("Scan image", "扫描图像"),
            T::DropHint => (
                "Or drop an image file onto this window.",
                "也可以将图像文件拖放到此窗口。",
            ),
            T::DropNow => ("Drop the image to scan it", "松开即可扫描图像"),
            T::CounterCode => ("Counter code", "柜台代码"),
            T::CounterExplain => (
                "If this counter shows a code, type it here: only QR codes made for this code \
                 are accepted.",
                "如果本柜台出示代码，请在此输入：只接受为此代码生成的二维码。",
            ),
            T::CounterNone => (
                "No counter code: QR codes made without one are accepted.",
                "未设置柜台代码：接受未绑定柜台代码的二维码。",
            ),
            T::CounterInvalid => (
                "A counter code is 1 to 16 letters or digits: correct it or clear the field.",
                "柜台代码须为 1 至 16 位字母或数字：请改正或清空。",
            ),
            T::NotScannedPaused => (
                "Not scanned: the counter code is not valid. Correct it or clear the field, then \
                 scan again.",
                "未扫描：柜台代码无效。请改正或清空后重新扫描。",
            ),
            T::ScanPaused => (
                "Scanning is paused until the counter code is valid or the field is empty.",
                "柜台代码有效或清空之前，暂停扫描。",
            ),
            T::CounterActive => (
                "Accepting only codes made for",
                "只接受为此代码生成的二维码：",
            ),
            T::Reading => ("Reading the image…", "正在读取图像……"),
            T::Queued => ("more images waiting", "张图像等待扫描"),
            T::Valid => ("VALID", "有效"),
            T::Invalid => ("NOT VALID", "无效"),
            T::Purpose => ("Purpose", "用途"),
            T::Issuer => ("Issuer", "签发方"),
            T::Disclosed => ("Shown by the holder", "持证人出示的信息"),
            T::NothingElse => ("Nothing else was shared.", "未出示其他信息。"),
            T::TrustAge => ("Trust list age", "信任列表时长"),
            T::StatusAge => ("Revocation data age", "吊销数据时长"),
            T::NotChecked => ("not checked", "未检查"),
            T::Warnings => ("Note", "注意"),
            T::Detail => ("Technical detail", "技术细节"),
            T::ScanNext => ("Scan next", "扫描下一个"),
            T::History => ("Recent scans", "最近扫描"),
            T::HistoryEmpty => ("No scans yet.", "尚无扫描记录。"),
            T::HistoryNote => (
                "Kept in memory only, without personal data; closing the app forgets it.",
                "仅保存在内存中，不含个人信息；关闭应用即清除。",
            ),
            T::ClearHistory => ("Clear history", "清除记录"),
            T::NoCodeRead => ("no code read", "未读取到二维码"),
            T::ImageError => (
                "No verdict: the image could not be used",
                "无法核验：图像不可用",
            ),
            T::Portrait => ("Portrait", "照片"),
            T::MoreCodes => (
                "codes in this image; each was checked and is in the history.",
                "个二维码在此图像中；均已核验并记入历史。",
            ),
            T::TrustList => ("Trust list", "信任列表"),
            T::TrustProblems => ("Trust data problems", "信任数据问题"),
            T::DecoderFailed => (
                "The QR decoder failed on this image.",
                "二维码解码器处理此图像时出错。",
            ),
            T::Camera => ("Camera device", "摄像头设备"),
            T::StartCamera => ("Start camera", "打开摄像头"),
            T::StopCamera => ("Stop camera", "关闭摄像头"),
            T::CameraPreview => ("Camera picture", "摄像头画面"),
        };
        match lang {
            Lang::En => en,
            Lang::Zh => zh,
        }
    }
}

/// A reason in plain words. English is [`Reason::describe`], capitalised.
pub fn reason(r: Reason, lang: Lang) -> String {
    let zh = match r {
        Reason::Malformed => "这不是可读取的 Tessera 证件码",
        Reason::UnknownIssuer => "证件的签发机关不受本设备信任",
        Reason::BadIssuerSignature => "证件数据与签发方的签名不符（被篡改或伪造）",
        Reason::BadHolderSignature => "此码不是由证件所属的手机生成的",
        Reason::WrongCounterCode => "此码是为其他柜台代码生成的",
        Reason::IssuerKeyNotValid => "签发方的密钥对此证件无效",
        Reason::NotYetValid => "证件尚未生效",
        Reason::Expired => "证件已过期",
        Reason::Revoked => "证件已被签发方吊销",
        Reason::Suspended => "证件已被签发方暂停使用",
        Reason::TooOld => "此码已过期：请对方出示新码",
        Reason::FromFuture => "此码的时间超前于本设备的时钟",
        Reason::Replayed => "此码已被使用过：请对方出示新码",
        Reason::TrustDataStale => "本设备的信任数据过旧：请更新",
        Reason::ClockWrong => "本设备的时钟有误：请设置日期和时间",
        _ => "",
    };
    match lang {
        Lang::Zh if !zh.is_empty() => zh.to_string(),
        _ => capitalise(r.describe()),
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

pub use tessera_ui::{attr_name, purpose};

/// An attribute value for people: yes/no and the sex codes in the words both apps share
/// ([`tessera_ui::value_word`]), an image by its size, anything else as it is.
pub fn attr_value(a: AttrId, v: &AttrValue, lang: Lang) -> String {
    if let Some(word) = tessera_ui::value_word(a, v, lang) {
        return word.to_string();
    }
    match v {
        AttrValue::Bytes(b) => match lang {
            Lang::En => format!("image, {} bytes", b.len()),
            Lang::Zh => format!("图像，{} 字节", b.len()),
        },
        v => v.to_string(),
    }
}

/// Why an image gave no QR text, in plain words (the error itself is the technical detail).
pub fn decode_error(e: &DecodeError, lang: Lang) -> &'static str {
    let (en, zh) = match e {
        DecodeError::EmptyFile => ("The file is empty.", "文件是空的。"),
        DecodeError::FileTooLarge { .. } => ("The file is too large.", "文件过大。"),
        DecodeError::UnsupportedFormat => (
            "This is not a PNG or JPEG image.",
            "这不是 PNG 或 JPEG 图像。",
        ),
        // The image decoder's own memory or dimension limit, met while decoding.
        DecodeError::OverLimit { .. } => {
            ("The image is too large to scan.", "图像过大，无法扫描。")
        }
        DecodeError::Image(_) => (
            "The image is damaged or unreadable.",
            "图像已损坏或无法读取。",
        ),
        DecodeError::Empty { .. } => ("The image has no pixels.", "图像没有像素。"),
        DecodeError::TooLarge { .. } => ("The image is too large to scan.", "图像过大，无法扫描。"),
        DecodeError::NotFound { .. } => (
            "No QR code was found in the image.",
            "图像中没有找到二维码。",
        ),
        DecodeError::Io { .. } => ("The file could not be opened.", "无法打开此文件。"),
        _ => ("The image could not be read.", "无法读取此图像。"),
    };
    match lang {
        Lang::En => en,
        Lang::Zh => zh,
    }
}

pub use tessera_ui::age;

#[cfg(test)]
mod tests {
    use super::*;
    use tessera_core::Purpose;

    #[test]
    fn every_reason_has_words_in_both_languages() {
        for r in Reason::ALL {
            let en = reason(r, Lang::En);
            let zh = reason(r, Lang::Zh);
            assert!(en.starts_with(|c: char| c.is_uppercase()), "{en}");
            assert!(!zh.is_empty() && zh != en, "{r:?}");
        }
        assert!(reason(Reason::Replayed, Lang::En).contains("already used"));
    }

    #[test]
    fn an_image_over_the_decoders_limit_reads_as_too_large() {
        // Typed, not matched on the image crate's wording.
        let e = DecodeError::OverLimit {
            detail: "memory limit exceeded".into(),
        };
        assert_eq!(
            decode_error(&e, Lang::En),
            "The image is too large to scan."
        );
        assert_eq!(decode_error(&e, Lang::Zh), "图像过大，无法扫描。");
        let damaged = DecodeError::Image("Image size exceeds limit".into());
        assert_eq!(
            decode_error(&damaged, Lang::En),
            "The image is damaged or unreadable."
        );
    }

    #[test]
    fn every_attribute_and_purpose_is_named() {
        for a in AttrId::ALL {
            assert_ne!(attr_name(a, Lang::En), a.name());
            assert_ne!(attr_name(a, Lang::Zh), a.name());
        }
        for p in Purpose::ALL {
            assert_ne!(purpose(p, Lang::Zh), p.name());
        }
        assert_eq!(
            attr_value(AttrId::AgeOver18, &AttrValue::Bool(true), Lang::Zh),
            "是"
        );
        assert_eq!(age(90_000, Lang::Zh), "1 天 1 小时");
        assert_eq!(Lang::from_tag("zh_CN.UTF-8"), Some(Lang::Zh));
        assert_eq!(Lang::from_tag("C"), None);
    }
}
