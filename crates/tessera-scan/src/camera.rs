//! Camera frames to luma images, and (with the `camera` feature, on by default, Linux only)
//! a V4L2 capture thread that reads QR codes from live frames with tessera-qr's streaming
//! [`tessera_qr::Scanner`]: a bounded amount of work per frame, a frame without a code
//! dropped after one cheap pass, the harder passes spread over the following frames.
//!
//! The capture uses `linuxvideo`, a pure-Rust V4L2 binding (no system development package
//! needed to build). It prefers YUYV, whose luma plane is every other byte and needs no
//! decoding, and falls back to MJPG/JPEG frames decoded with `image`.

use image::GrayImage;

/// The luma plane of a packed YUYV (YUY2) frame: `Y0 U Y1 V` per two pixels, rows
/// `stride` bytes apart. `None` when the buffer is too short for the dimensions.
pub fn yuyv_luma(data: &[u8], width: u32, height: u32, stride: u32) -> Option<GrayImage> {
    let (w, h) = (width as usize, height as usize);
    let stride = (stride as usize).max(w * 2);
    if w == 0 || h == 0 || data.len() < stride.checked_mul(h - 1)? + w * 2 {
        return None;
    }
    let mut luma = Vec::with_capacity(w * h);
    for row in 0..h {
        let line = &data[row * stride..row * stride + w * 2];
        luma.extend(line.iter().step_by(2));
    }
    GrayImage::from_raw(width, height, luma)
}

/// A smaller copy for the on-screen preview: at most `max_width` pixels wide.
pub fn preview(luma: &GrayImage, max_width: u32) -> GrayImage {
    if luma.width() <= max_width {
        return luma.clone();
    }
    let h = (u64::from(luma.height()) * u64::from(max_width) / u64::from(luma.width())) as u32;
    image::imageops::thumbnail(luma, max_width, h.max(1))
}

#[cfg(all(feature = "camera", target_os = "linux"))]
pub use capture::{CamEvent, Camera};

#[cfg(all(feature = "camera", target_os = "linux"))]
mod capture {
    use std::path::{Path, PathBuf};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::mpsc::{self, Receiver, Sender};

    use image::GrayImage;
    use linuxvideo::format::{PixFormat, PixelFormat};
    use linuxvideo::{BufType, Device};

    /// What the capture thread reports.
    #[derive(Debug)]
    pub enum CamEvent {
        /// Streaming started with this format.
        Started(String),
        /// A preview frame (luma, downscaled).
        Preview(GrayImage),
        /// QR texts found in a frame.
        Texts(Vec<String>),
        /// The camera failed or stopped; the thread has ended.
        Stopped(String),
    }

    /// A running capture thread. Dropping it stops the thread.
    #[derive(Debug)]
    pub struct Camera {
        rx: Receiver<CamEvent>,
        stop: Arc<AtomicBool>,
    }

    impl Camera {
        /// Opens `device` (e.g. `/dev/video0`) on a new thread and starts decoding frames.
        pub fn start(device: PathBuf, ctx: &egui::Context) -> Camera {
            let (tx, rx) = mpsc::channel();
            let stop = Arc::new(AtomicBool::new(false));
            let (flag, ctx) = (stop.clone(), ctx.clone());
            let spawned = std::thread::Builder::new()
                .name("tessera-scan-camera".into())
                .spawn(move || {
                    // After a panic only a message is sent; the context stays consistent.
                    let capture = std::panic::AssertUnwindSafe(|| run(&device, &tx, &flag, &ctx));
                    let why = match std::panic::catch_unwind(capture) {
                        Ok(Ok(())) => "stopped".to_string(),
                        Ok(Err(e)) => format!("{}: {e}", device.display()),
                        Err(_) => format!("{}: the capture thread panicked", device.display()),
                    };
                    let _ = tx.send(CamEvent::Stopped(why));
                    ctx.request_repaint();
                });
            if let Err(e) = spawned {
                let (tx, rx2) = mpsc::channel();
                let _ = tx.send(CamEvent::Stopped(format!("cannot start a thread: {e}")));
                return Camera { rx: rx2, stop };
            }
            Camera { rx, stop }
        }

        /// Events since the last call.
        pub fn poll(&self) -> Vec<CamEvent> {
            self.rx.try_iter().collect()
        }
    }

    impl Drop for Camera {
        fn drop(&mut self) {
            self.stop.store(true, Ordering::Relaxed);
        }
    }

    fn run(
        device: &Path,
        tx: &Sender<CamEvent>,
        stop: &AtomicBool,
        ctx: &egui::Context,
    ) -> std::io::Result<()> {
        let dev = Device::open(device)?;
        let formats: Vec<PixelFormat> = dev
            .formats(BufType::VIDEO_CAPTURE)
            .filter_map(|f| f.ok().map(|f| f.pixel_format()))
            .collect();
        let wanted = [PixelFormat::YUYV, PixelFormat::MJPG, PixelFormat::JPEG]
            .into_iter()
            .find(|f| formats.contains(f))
            .ok_or_else(|| {
                std::io::Error::other(format!(
                    "no YUYV, MJPG or JPEG format (the camera offers {formats:?})"
                ))
            })?;
        let capture = dev.video_capture(PixFormat::new(1280, 720, wanted))?;
        let fmt = capture.format();
        let (width, height, pixels, stride) = (
            fmt.width(),
            fmt.height(),
            fmt.pixel_format(),
            fmt.bytes_per_line(),
        );
        let _ = tx.send(CamEvent::Started(format!("{width}x{height} {pixels:?}")));
        let mut stream = capture.into_stream()?;
        let mut scanner = tessera_qr::Scanner::default();
        while !stop.load(Ordering::Relaxed) {
            let frame = stream.dequeue(|buf| Ok(buf.to_vec()))?;
            let luma = match pixels {
                PixelFormat::YUYV => super::yuyv_luma(&frame, width, height, stride),
                _ => image::load_from_memory_with_format(&frame, image::ImageFormat::Jpeg)
                    .ok()
                    .map(|i| i.to_luma8()),
            };
            let Some(luma) = luma else {
                continue;
            };
            let _ = tx.send(CamEvent::Preview(super::preview(&luma, 480)));
            if let Ok(Some(texts)) = scanner.push_image(&luma) {
                let _ = tx.send(CamEvent::Texts(texts));
            }
            ctx.request_repaint();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuyv_luma_takes_every_other_byte_per_row() {
        // 2x2 pixels, stride 6 (2 bytes of row padding).
        let data = [10, 0, 20, 0, 99, 99, 30, 0, 40, 0, 99, 99];
        let l = yuyv_luma(&data, 2, 2, 6).unwrap();
        assert_eq!(l.as_raw(), &[10, 20, 30, 40]);
        assert!(yuyv_luma(&data[..9], 2, 2, 6).is_none());
        assert!(yuyv_luma(&data, 0, 2, 6).is_none());
        assert!(yuyv_luma(&[], 4000, 4000, 0).is_none());
    }

    #[test]
    fn yuyv_frames_go_through_the_streaming_scanner() {
        let sym = tessera_qr::encode("TS1:LIVE", &tessera_qr::EncodeOptions::default()).unwrap();
        let code = sym.to_image(6);
        let (w, h) = code.dimensions();
        let to_yuyv =
            |img: &GrayImage| -> Vec<u8> { img.as_raw().iter().flat_map(|&y| [y, 128]).collect() };
        let mut scanner = tessera_qr::Scanner::default();
        let blank = GrayImage::from_pixel(w, h, image::Luma([40]));
        let luma = yuyv_luma(&to_yuyv(&blank), w, h, w * 2).unwrap();
        assert_eq!(scanner.push_image(&luma).unwrap(), None);
        let luma = yuyv_luma(&to_yuyv(&code), w, h, w * 2).unwrap();
        assert_eq!(
            scanner.push_image(&luma).unwrap(),
            Some(vec!["TS1:LIVE".to_string()])
        );
    }

    #[test]
    fn yuyv_frame_of_a_qr_code_decodes() {
        let sym = tessera_qr::encode("TS1:HELLO", &tessera_qr::EncodeOptions::default()).unwrap();
        let img = sym.to_image(6);
        let (w, h) = img.dimensions();
        let yuyv: Vec<u8> = img.as_raw().iter().flat_map(|&y| [y, 128]).collect();
        let luma = yuyv_luma(&yuyv, w, h, w * 2).unwrap();
        let found = tessera_qr::decode_image(&image::DynamicImage::ImageLuma8(luma)).unwrap();
        assert_eq!(found, ["TS1:HELLO"]);
        assert_eq!(preview(&img, 100).width(), 100);
    }
}
