//! A PostgreSQL to test against: the one `KEELSON_TEST_POSTGRES_URL`
//! names, else a throwaway cluster started here (`make test` installs
//! PostgreSQL from the OS packages).

/// The URL, and the cluster to keep alive while it is used; `None` (with
/// a message) when there is no PostgreSQL at all.
pub fn url_or_skip() -> Option<(String, Option<ThrowawayPostgres>)> {
    match std::env::var("KEELSON_TEST_POSTGRES_URL") {
        Ok(url) => Some((url, None)),
        Err(_) => match ThrowawayPostgres::start() {
            Ok(c) => Some((c.url(), Some(c))),
            Err(why) => {
                eprintln!(
                    "skipped: no PostgreSQL to test against ({why}); `make test` installs it"
                );
                None
            }
        },
    }
}

/// `initdb` + `pg_ctl start` in a temporary directory, on a free port,
/// reachable only through a Unix socket there; stopped when dropped.
pub struct ThrowawayPostgres {
    dir: tempfile::TempDir,
    bin: std::path::PathBuf,
    port: u16,
    as_root: bool,
}

impl ThrowawayPostgres {
    pub fn start() -> Result<ThrowawayPostgres, String> {
        let bin = postgres_bin().ok_or("initdb not found")?;
        let dir =
            tempfile::Builder::new().prefix("keelson-pg-").tempdir().map_err(|e| e.to_string())?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .map_err(|e| e.to_string())?;
        // PostgreSQL refuses to run as root: as root, run it as `postgres`.
        let as_root = std::process::Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
        if as_root {
            std::process::Command::new("chown")
                .args(["postgres"])
                .arg(dir.path())
                .status()
                .map_err(|e| e.to_string())?;
        }
        let cluster = ThrowawayPostgres { dir, bin, port, as_root };
        let data = cluster.data();
        cluster.run("initdb", &["-D", &data, "-A", "trust", "-U", "keelson"])?;
        cluster.start_again()?;
        Ok(cluster)
    }

    fn data(&self) -> String {
        self.dir.path().join("data").to_string_lossy().into_owned()
    }

    fn run(&self, program: &str, args: &[&str]) -> Result<(), String> {
        let exe = self.bin.join(program);
        let mut cmd = if self.as_root {
            let mut c = std::process::Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            std::process::Command::new(&exe)
        };
        let out = cmd.args(args).output().map_err(|e| format!("{program}: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!("{program}: {}", String::from_utf8_lossy(&out.stderr)))
        }
    }

    /// Stop the database (its clients are disconnected), as an outage.
    pub fn stop(&self) -> Result<(), String> {
        self.run("pg_ctl", &["-D", &self.data(), "-m", "fast", "-w", "stop"])
    }

    /// Start it (again), on the same port and socket.
    pub fn start_again(&self) -> Result<(), String> {
        let socket = self.dir.path().to_string_lossy().into_owned();
        let options = format!("-p {} -k {socket} -c listen_addresses=''", self.port);
        let log = format!("{socket}/postgres.log");
        self.run("pg_ctl", &["-D", &self.data(), "-o", &options, "-l", &log, "-w", "start"])
    }

    pub fn url(&self) -> String {
        format!(
            "postgres://keelson@localhost:{}/postgres?host={}",
            self.port,
            self.dir.path().display()
        )
    }
}

impl Drop for ThrowawayPostgres {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        let pg_ctl = self.bin.join("pg_ctl");
        let mut cmd = std::process::Command::new("runuser");
        cmd.args(["-u", "postgres", "--"]).arg(&pg_ctl);
        let status = cmd.arg("-D").arg(&data).args(["-m", "immediate", "stop"]).output();
        if status.map_or(true, |o| !o.status.success()) {
            let _ = std::process::Command::new(&pg_ctl)
                .arg("-D")
                .arg(&data)
                .args(["-m", "immediate", "stop"])
                .output();
        }
    }
}

/// Where `initdb` and `pg_ctl` are: on PATH, or Debian's versioned
/// directories.
fn postgres_bin() -> Option<std::path::PathBuf> {
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .find(|d| d.join("initdb").is_file() && d.join("pg_ctl").is_file());
    on_path.or_else(|| {
        let mut versions: Vec<_> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .flatten()
            .map(|e| e.path().join("bin"))
            .collect();
        versions.sort();
        versions.into_iter().rev().find(|d| d.join("initdb").is_file())
    })
}
