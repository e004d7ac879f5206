//! Sound without a sound card, for tests of the playback and recording paths (feature `test-support`):
//! a private PulseAudio server whose only output is a null sink. The sink plays in real time, and its
//! monitor is the default input, so what is played can be recorded. Point a process at it with
//! `PULSE_SERVER` set to [`NullAudio::pulse_server`]; ALSA's PulseAudio plugin does the rest.
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The running server; stopped on drop.
pub struct NullAudio {
    server: Child,
    socket: PathBuf,
}

impl NullAudio {
    /// Starts `pulseaudio` with its runtime files under `dir`. Panics when it cannot (a test fixture).
    pub fn start(dir: &Path) -> Self {
        let runtime = dir.join("pulse");
        std::fs::create_dir_all(&runtime).expect("pulse runtime folder");
        let socket = runtime.join("native");
        let server = Command::new("pulseaudio")
            .args(["-n", "--daemonize=no", "--exit-idle-time=-1", "--use-pid-file=no"])
            .arg("--load=module-null-sink sink_name=byline_null")
            .arg(format!("--load=module-native-protocol-unix auth-anonymous=1 socket={}", socket.display()))
            .env("HOME", dir)
            .env("XDG_RUNTIME_DIR", &runtime)
            .env("PULSE_RUNTIME_PATH", &runtime)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start pulseaudio (`cargo xtask test` installs it)");
        // The socket file appears at bind(), before the server listens: a client connecting in between is
        // refused, and cpal then finds no input device. Ready means a connection is accepted.
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::os::unix::net::UnixStream::connect(&socket).is_err() {
            assert!(Instant::now() < deadline, "pulseaudio did not accept connections on {}", socket.display());
            std::thread::sleep(Duration::from_millis(100));
        }
        Self { server, socket }
    }

    /// The value for `PULSE_SERVER`.
    pub fn pulse_server(&self) -> String {
        format!("unix:{}", self.socket.display())
    }
}

impl Drop for NullAudio {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}
