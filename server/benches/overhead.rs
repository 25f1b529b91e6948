//! Overhead bench: `keelson run` against `make -j2` on no-op DAGs.
//!
//! Each shape is generated (deterministically) twice: as an Argo Workflow
//! whose tasks all call one container template running `true`, and as a
//! Makefile whose `.PHONY` targets each run `@true` after their
//! dependencies. Both tools run one process per task, two at a time, so the
//! difference is the tool's own overhead. Runs alternate (keelson, make,
//! keelson, make, …) so both see the same machine load.
//!
//! ```sh
//! cargo bench -p server --bench overhead
//! OVERHEAD_RUNS=9 OVERHEAD_SHAPES=chain,fan-out cargo bench -p server --bench overhead
//! ```
//!
//! `OVERHEAD_RUNS` (default 5) is the number of timed runs per tool and
//! shape; `OVERHEAD_SHAPES` picks shapes by name or prefix (`chain-200`,
//! `fan-out-500`, `layered-1000`, `wide-5000`; `chain`, `fanout` also
//! work); `OVERHEAD_KEEP=1` keeps the generated files (for profiling);
//! `OVERHEAD_WORK_DIR` puts keelson's work directories somewhere other than
//! `~/.cache/keelson/bench-overhead` (never under /tmp).
//! Goal: keelson ≤ 1.5× make's median wall time on every shape.

use std::fmt::Write as _;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The keelson binary cargo built for this bench (release profile).
const KEELSON: &str = env!("CARGO_BIN_EXE_keelson");
/// `--parallelism` for keelson and `-j` for make.
const JOBS: usize = 2;
/// The goal: keelson's wall time at most this many times make's.
const GOAL: f64 = 1.5;

// ---------------------------------------------------------------- shapes

/// splitmix64: a fixed seed gives the same DAGs on every machine.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform enough in `0..n` for small `n` (the modulo bias is ~n/2⁶⁴).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// A DAG: `deps[i]` are the tasks task `i` waits for (all `< i`).
struct Shape {
    name: &'static str,
    deps: Vec<Vec<usize>>,
}

impl Shape {
    fn len(&self) -> usize {
        self.deps.len()
    }

    /// Tasks no other task depends on: what `all` (make) waits for.
    fn sinks(&self) -> Vec<usize> {
        let mut has_dependent = vec![false; self.len()];
        for d in self.deps.iter().flatten() {
            has_dependent[*d] = true;
        }
        (0..self.len()).filter(|&i| !has_dependent[i]).collect()
    }
}

/// `t0000 ← t0001 ← … ← t0199`.
fn chain(n: usize) -> Shape {
    let deps = (0..n).map(|i| if i == 0 { vec![] } else { vec![i - 1] }).collect();
    Shape { name: "chain-200", deps }
}

/// One root, `n` tasks after it, one sink after all of them.
fn fan_out(n: usize) -> Shape {
    let mut deps = vec![vec![]];
    deps.extend((0..n).map(|_| vec![0]));
    deps.push((1..=n).collect());
    Shape { name: "fan-out-500", deps }
}

/// `layers` layers of `width`; each task after the first layer depends on
/// `k` distinct random tasks of the layer before.
fn layered(layers: usize, width: usize, k: usize, seed: u64) -> Shape {
    let mut rng = SplitMix64(seed);
    let mut deps = Vec::with_capacity(layers * width);
    for layer in 0..layers {
        for _ in 0..width {
            if layer == 0 {
                deps.push(vec![]);
                continue;
            }
            let base = (layer - 1) * width;
            let mut mine: Vec<usize> = Vec::with_capacity(k);
            while mine.len() < k {
                let d = base + rng.below(width);
                if !mine.contains(&d) {
                    mine.push(d);
                }
            }
            mine.sort_unstable();
            deps.push(mine);
        }
    }
    Shape { name: "layered-1000", deps }
}

/// `n` independent tasks.
fn wide(n: usize) -> Shape {
    Shape { name: "wide-5000", deps: vec![vec![]; n] }
}

fn all_shapes() -> Vec<Shape> {
    vec![chain(200), fan_out(500), layered(10, 100, 3, 0x6B65_656C_736F_6E21), wide(5_000)]
}

fn task(i: usize) -> String {
    format!("t{i:04}")
}

// ------------------------------------------------------------- renderers

/// The widest `dependencies` list written as such: keelson rewrites each
/// entry to `(A.Succeeded || A.Skipped || A.Daemoned)`, as Argo does, and
/// refuses depends expressions of more than
/// [`engine::depends::MAX_OPERANDS`] (1,024) task references, so a list of
/// 342 or more fails the run. A DAG with a wider fan-in (fan-out's sink) is
/// written with the equivalent `depends: "A && B && …"` on every task (a
/// bare name means the same three results; Argo forbids mixing the two in
/// one DAG), unless `OVERHEAD_DEPENDENCIES_ONLY=1`.
const DEPENDENCIES_MAX: usize = engine::depends::MAX_OPERANDS / 3;

fn dependencies_only() -> bool {
    std::env::var("OVERHEAD_DEPENDENCIES_ONLY").is_ok_and(|v| v == "1")
}

fn argo_yaml(shape: &Shape, dependencies_only: bool) -> String {
    let mut y = String::new();
    let _ = write!(
        y,
        "apiVersion: argoproj.io/v1alpha1\n\
         kind: Workflow\n\
         metadata:\n  name: overhead-{}\n\
         spec:\n  entrypoint: main\n  templates:\n    - name: main\n      dag:\n        tasks:\n",
        shape.name
    );
    // Argo refuses `dependencies` and `depends` mixed in one DAG.
    let lists = dependencies_only || shape.deps.iter().all(|d| d.len() <= DEPENDENCIES_MAX);
    for (i, deps) in shape.deps.iter().enumerate() {
        let _ = writeln!(y, "          - name: {}\n            template: noop", task(i));
        let names: Vec<String> = deps.iter().map(|&d| task(d)).collect();
        if names.is_empty() {
            continue;
        }
        if lists {
            let _ = writeln!(y, "            dependencies: [{}]", names.join(", "));
        } else {
            let _ = writeln!(y, "            depends: \"{}\"", names.join(" && "));
        }
    }
    // `"true"` quoted: a bare `true` is a YAML boolean, not a string.
    y.push_str(
        "    - name: noop\n      container:\n        image: busybox\n        command: [\"true\"]\n",
    );
    y
}

fn makefile(shape: &Shape) -> String {
    fn words(out: &mut String, names: impl Iterator<Item = String>) {
        for (n, name) in names.enumerate() {
            out.push_str(if n > 0 && n % 16 == 0 { " \\\n  " } else { " " });
            out.push_str(&name);
        }
        out.push('\n');
    }
    let mut m = format!(
        "# {} ({} tasks), generated by server/benches/overhead.rs\n",
        shape.name,
        shape.len()
    );
    m.push_str(".PHONY: all");
    words(&mut m, (0..shape.len()).map(task));
    m.push_str("all:");
    words(&mut m, shape.sinks().into_iter().map(task));
    for (i, deps) in shape.deps.iter().enumerate() {
        let _ = write!(m, "{}:", task(i));
        words(&mut m, deps.iter().map(|&d| task(d)));
        // No shell metacharacters: make execs `true` itself, no `sh -c`.
        m.push_str("\t@true\n");
    }
    m
}

// ----------------------------------------------------------- measurement

struct Sample {
    wall: Duration,
    /// `ru_maxrss` in KiB.
    max_rss_kib: i64,
    /// User + system CPU of the child and its reaped descendants.
    cpu: Duration,
}

fn timeval(t: libc::timeval) -> Duration {
    Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1_000)
}

/// Run `cmd` with stdout and stderr to files, wait for it with `wait4`,
/// and fail loudly (printing its output) unless it exits 0.
fn measure(what: &str, cmd: &mut Command, logs: &Path) -> Sample {
    let out_path = logs.with_extension("stdout");
    let err_path = logs.with_extension("stderr");
    cmd.stdin(Stdio::null())
        .stdout(File::create(&out_path).expect("stdout file"))
        .stderr(File::create(&err_path).expect("stderr file"));
    let start = Instant::now();
    let child = cmd.spawn().unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain data; all-zero is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: `status` and `usage` are valid for writes; `pid` is our
        // unwaited child (std's `Child` is dropped without waiting).
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == pid {
            break;
        }
        let e = std::io::Error::last_os_error();
        assert!(e.kind() == std::io::ErrorKind::Interrupted, "{what}: wait4: {e}");
    }
    let wall = start.elapsed();
    drop(child);
    if !(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0) {
        let how = if libc::WIFEXITED(status) {
            format!("exit code {}", libc::WEXITSTATUS(status))
        } else {
            format!("signal {}", libc::WTERMSIG(status))
        };
        eprintln!("error: {what} failed ({how}): {cmd:?}");
        for p in [&err_path, &out_path] {
            let text = fs::read_to_string(p).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            let tail: Vec<String> = lines[lines.len().saturating_sub(40)..]
                .iter()
                .map(|l| {
                    if l.chars().count() > 300 {
                        l.chars().take(300).chain("…".chars()).collect()
                    } else {
                        l.to_string()
                    }
                })
                .collect();
            let tail = tail.join("\n");
            eprintln!("--- {} (last 40 lines)\n{tail}", p.display());
        }
        std::process::exit(1);
    }
    Sample {
        wall,
        max_rss_kib: usage.ru_maxrss,
        cpu: timeval(usage.ru_utime) + timeval(usage.ru_stime),
    }
}

struct Bench {
    /// Generated files: `<shape>.yaml`, `<shape>/Makefile`, logs.
    files: PathBuf,
    /// keelson work directories, one per run, all removed only at the end;
    /// not under /tmp (tasks get a private /tmp).
    work: PathBuf,
}

impl Bench {
    fn keelson(&self, shape: &Shape, label: &str) -> Sample {
        let work_dir = self.work.join(format!("{}-{label}", shape.name));
        let mut cmd = Command::new(KEELSON);
        cmd.arg("run")
            .arg(self.files.join(format!("{}.yaml", shape.name)))
            .arg("-q")
            .arg("--work-dir")
            .arg(&work_dir)
            .arg("--parallelism")
            .arg(JOBS.to_string());
        let logs = self.files.join(format!("{}-keelson-{label}", shape.name));
        measure(&format!("keelson run ({}, {label})", shape.name), &mut cmd, &logs)
    }

    fn make(&self, shape: &Shape, label: &str) -> Sample {
        let mut cmd = Command::new("make");
        cmd.args(["-s", &format!("-j{JOBS}"), "-f", "Makefile", "all"])
            .current_dir(self.files.join(shape.name))
            // Not a sub-make of whatever ran cargo: no inherited jobserver.
            .env_remove("MAKEFLAGS")
            .env_remove("MFLAGS")
            .env_remove("MAKELEVEL");
        let logs = self.files.join(format!("{}-make-{label}", shape.name));
        measure(&format!("make ({}, {label})", shape.name), &mut cmd, &logs)
    }
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    if n % 2 == 1 { xs[n / 2] } else { (xs[n / 2 - 1] + xs[n / 2]) / 2.0 }
}

fn mib(kib: i64) -> f64 {
    kib as f64 / 1024.0
}

// ------------------------------------------------------------------ main

/// `OVERHEAD_SHAPES`: comma-separated names or prefixes, compared without
/// `-`/`_` and case.
fn selected(shapes: Vec<Shape>) -> Vec<Shape> {
    let Ok(list) = std::env::var("OVERHEAD_SHAPES") else { return shapes };
    let norm = |s: &str| s.to_ascii_lowercase().replace(['-', '_'], "");
    let wanted: Vec<String> =
        list.split(',').map(str::trim).filter(|s| !s.is_empty()).map(norm).collect();
    for w in &wanted {
        if !shapes.iter().any(|s| norm(s.name).starts_with(w.as_str())) {
            let names: Vec<&str> = shapes.iter().map(|s| s.name).collect();
            eprintln!("error: OVERHEAD_SHAPES: no shape `{w}` (shapes: {})", names.join(", "));
            std::process::exit(2);
        }
    }
    shapes
        .into_iter()
        .filter(|s| wanted.iter().any(|w| norm(s.name).starts_with(w.as_str())))
        .collect()
}

fn runs() -> usize {
    match std::env::var("OVERHEAD_RUNS") {
        Err(_) => 5,
        Ok(v) => match v.trim().parse::<usize>() {
            Ok(n) if n >= 1 => n,
            _ => {
                eprintln!("error: OVERHEAD_RUNS must be a positive integer, not `{v}`");
                std::process::exit(2);
            }
        },
    }
}

/// UTC `YYYY-MM-DD HH:MM`, from the engine's RFC 3339 formatting.
fn utc_now() -> String {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let rfc3339 = engine::status::Time(i64::try_from(secs).unwrap_or(0)).to_string();
    format!("{} UTC", rfc3339.get(..16).unwrap_or(&rfc3339).replace('T', " "))
}

fn loadavg() -> String {
    fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

fn main() -> ExitCode {
    // `cargo test --benches` runs this without `--bench`: nothing to time.
    if !std::env::args().any(|a| a == "--bench") {
        println!("overhead: run with `cargo bench -p server --bench overhead`; skipped");
        return ExitCode::SUCCESS;
    }
    let runs = runs();
    let dependencies_only = dependencies_only();
    let shapes = selected(all_shapes());
    // Work directories are removed only after the last run: on ext4
    // without a journal (this project's machine), creating inodes soon
    // after many were deleted scans past each recently deleted one
    // (`recently_deleted`), which made keelson's runs slow and erratic.
    let root = match std::env::var_os("OVERHEAD_WORK_DIR") {
        Some(d) => PathBuf::from(d),
        None => std::env::var_os("HOME")
            .map(|h| PathBuf::from(h).join(".cache/keelson/bench-overhead"))
            .expect("HOME is set"),
    };
    if root.starts_with("/tmp") {
        eprintln!("error: the keelson work directory must not be under /tmp: {}", root.display());
        return ExitCode::from(2);
    }
    let work = root.join(format!("run-{}", std::process::id()));
    fs::create_dir_all(&work).expect("work directory");
    let tmp = tempfile::Builder::new().prefix("keelson-overhead-").tempdir().expect("temp dir");
    let bench = Bench { files: tmp.path().to_path_buf(), work: work.clone() };
    // `OVERHEAD_KEEP=1`: leave the generated files (for profiling by hand).
    // (Dropping the guard at the end of `main` deletes them otherwise.)
    let _guard = if std::env::var("OVERHEAD_KEEP").is_ok_and(|v| v == "1") {
        let _ = tmp.keep();
        None
    } else {
        Some(tmp)
    };

    for shape in &shapes {
        fs::write(
            bench.files.join(format!("{}.yaml", shape.name)),
            argo_yaml(shape, dependencies_only),
        )
        .expect("write yaml");
        fs::create_dir_all(bench.files.join(shape.name)).expect("make dir");
        fs::write(bench.files.join(shape.name).join("Makefile"), makefile(shape))
            .expect("write Makefile");
    }
    eprintln!(
        "overhead: files in {}, keelson work dirs in {}",
        bench.files.display(),
        work.display()
    );
    eprintln!(
        "overhead: keelson {KEELSON}; {runs} run(s) per tool and shape; load average {}",
        loadavg()
    );

    struct Row {
        name: &'static str,
        tasks: usize,
        make: Vec<Sample>,
        keelson: Vec<Sample>,
    }
    let mut rows = Vec::new();
    for shape in &shapes {
        // One untimed run each: both must succeed, and caches get warm.
        let k = bench.keelson(shape, "warmup");
        let m = bench.make(shape, "warmup");
        eprintln!(
            "{:>12} warm-up: keelson {:.3} s, make {:.3} s",
            shape.name,
            k.wall.as_secs_f64(),
            m.wall.as_secs_f64()
        );
        let mut row = Row { name: shape.name, tasks: shape.len(), make: vec![], keelson: vec![] };
        for i in 1..=runs {
            let label = format!("run{i}");
            let k = bench.keelson(shape, &label);
            let m = bench.make(shape, &label);
            eprintln!(
                "{:>12} run {i}/{runs}: keelson {:.3} s ({:.1} MiB), make {:.3} s ({:.1} MiB)",
                shape.name,
                k.wall.as_secs_f64(),
                mib(k.max_rss_kib),
                m.wall.as_secs_f64(),
                mib(m.max_rss_kib)
            );
            row.keelson.push(k);
            row.make.push(m);
        }
        rows.push(row);
    }

    let wall = |xs: &[Sample]| median(xs.iter().map(|s| s.wall.as_secs_f64()).collect());
    let cpu = |xs: &[Sample]| median(xs.iter().map(|s| s.cpu.as_secs_f64()).collect());
    let peak = |xs: &[Sample]| mib(xs.iter().map(|s| s.max_rss_kib).max().unwrap_or(0));
    println!();
    println!(
        "Overhead bench, {}: {runs} timed run(s) per tool and shape (interleaved keelson, make), \
         after one untimed warm-up each; {} CPUs; load average at the end {}.",
        utc_now(),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        loadavg()
    );
    println!();
    println!(
        "| shape | tasks | make -j{JOBS} median s | keelson median s | ratio | make peak RSS MiB | keelson peak RSS MiB |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let mut missed = Vec::new();
    for r in &rows {
        let (m, k) = (wall(&r.make), wall(&r.keelson));
        let ratio = k / m;
        if ratio > GOAL {
            missed.push(r.name);
        }
        println!(
            "| {} | {} | {m:.3} | {k:.3} | {ratio:.2}× | {:.1} | {:.1} |",
            r.name,
            r.tasks,
            peak(&r.make),
            peak(&r.keelson)
        );
    }
    println!();
    println!(
        "| shape | extra wall ms per task (keelson − make) | make CPU median s | keelson CPU median s | keelson CPU ms per task |"
    );
    println!("|---|---:|---:|---:|---:|");
    for r in &rows {
        let (k, n) = (cpu(&r.keelson), r.tasks as f64);
        let extra = (wall(&r.keelson) - wall(&r.make)) * 1e3 / n;
        println!("| {} | {extra:.2} | {:.3} | {k:.3} | {:.2} |", r.name, cpu(&r.make), k * 1e3 / n);
    }
    println!();
    println!(
        "Each task is one process `true` in both: make execs it directly (no shell: the \
         recipe has no metacharacters), keelson starts it as the task's process (found on PATH \
         for image busybox, with the task's private /tmp). Both at most {JOBS} at once \
         (`make -s -j{JOBS}`, `keelson run -q --parallelism {JOBS}`). Wall time: from spawn to \
         `wait4` returning. keelson's includes reading, linting and planning the YAML, the task \
         directories (removed only after the last run) and the final tree (stdout to a file). \
         Peak RSS: `ru_maxrss` from `wait4`, the largest over the runs; Linux reports the \
         maximum of the waited process and its reaped descendants, here the `true` tasks \
         (~1–2 MiB), so it is make's own and keelson's own peak, task memory not added. CPU: \
         user + system of the process and its reaped tasks."
    );
    let wide_fan_in = shapes.iter().any(|s| s.deps.iter().any(|d| d.len() > DEPENDENCIES_MAX));
    if wide_fan_in && !dependencies_only {
        println!();
        println!(
            "DAGs with a fan-in wider than {DEPENDENCIES_MAX} (fan-out) use, on every task, \
             `depends: \"A && B && …\"`, not `dependencies: [A, B, …]`: keelson rewrites each \
             listed dependency into three task references and refuses more than {} references \
             in one expression (`OVERHEAD_DEPENDENCIES_ONLY=1` writes lists everywhere).",
            engine::depends::MAX_OPERANDS
        );
    }
    println!();
    if missed.is_empty() {
        println!("Goal (keelson ≤ {GOAL}× make's wall time): met on every shape.");
    } else {
        println!("Goal (keelson ≤ {GOAL}× make's wall time): missed on {}.", missed.join(", "));
    }
    let _ = fs::remove_dir_all(&work);
    ExitCode::SUCCESS
}
