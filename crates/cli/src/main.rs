//! `parcours`: the one binary. `cargo run --release` runs `parcours serve`.

use std::io::BufRead;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use parcours_app::reference::{ImportError, ImportReport};
use parcours_app::{App, AppConfig, AppError};
use parcours_web::AppState;

const DEFAULT_DATABASE_URL: &str = "sqlite://var/parcours.db?mode=rwc";

#[derive(Parser)]
#[command(
    name = "parcours",
    version,
    about = "Career-orientation and job-insertion programmes, end to end."
)]
struct Cli {
    #[command(flatten)]
    global: Global,
    /// `parcours --bind …` is `parcours serve --bind …`.
    #[command(flatten)]
    serve: ServeArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Args)]
struct Global {
    /// Database: sqlite://PATH or postgres://USER@HOST/DB.
    #[arg(long, global = true, env = "PARCOURS_DATABASE_URL", default_value = DEFAULT_DATABASE_URL, hide_env_values = true)]
    database_url: String,
    /// Folder where outgoing emails are written as .eml files.
    #[arg(
        long,
        global = true,
        env = "PARCOURS_OUTBOX_DIR",
        default_value = "var/outbox"
    )]
    outbox: PathBuf,
    /// SMTP relay for outgoing email, e.g. smtp://user:pass@host:587?tls=required
    /// (STARTTLS) or smtps://user:pass@host:465; unset, emails go to the outbox.
    #[arg(long, global = true, env = "PARCOURS_SMTP_URL", hide_env_values = true)]
    smtp_url: Option<String>,
    /// Sender address of outgoing email (default no-reply@parcours.invalid).
    #[arg(long, global = true, env = "PARCOURS_MAIL_FROM")]
    mail_from: Option<String>,
    /// Sender name of outgoing email (default Parcours).
    #[arg(long, global = true, env = "PARCOURS_MAIL_FROM_NAME")]
    mail_from_name: Option<String>,
    /// Kannel's sendsms URL (e.g. http://127.0.0.1:13013/cgi-bin/sendsms); unset, SMS
    /// are written to the outbox.
    #[arg(long, global = true, env = "PARCOURS_SMS_URL", hide_env_values = true)]
    sms_url: Option<String>,
    /// The sendsms-user's name.
    #[arg(long, global = true, env = "PARCOURS_SMS_USER", hide_env_values = true)]
    sms_user: Option<String>,
    /// The sendsms-user's password (also required of Kannel's incoming-message calls).
    #[arg(
        long,
        global = true,
        env = "PARCOURS_SMS_PASSWORD",
        hide_env_values = true
    )]
    sms_password: Option<String>,
    /// Sender shown on phones (11 letters and digits, or a number).
    #[arg(long, global = true, env = "PARCOURS_SMS_FROM")]
    sms_from: Option<String>,
    /// Where Kannel reaches Parcours for delivery reports (default: the public URL).
    #[arg(long, global = true, env = "PARCOURS_SMS_CALLBACK_URL")]
    sms_callback_url: Option<String>,
}

impl Global {
    /// The application's settings, the mail relay and sender included.
    fn app_config(&self, base_url: String) -> anyhow::Result<AppConfig> {
        let mut config = AppConfig::new(self.outbox.clone(), base_url);
        config.mail = parcours_app::mail::MailSettings::from_config(
            self.smtp_url.as_deref(),
            self.mail_from.as_deref(),
            self.mail_from_name.as_deref(),
        )
        .map_err(anyhow::Error::msg)?;
        config.sms = parcours_app::sms::SmsSettings::from_config(
            self.sms_url.as_deref(),
            self.sms_user.as_deref(),
            self.sms_password.as_deref(),
            self.sms_from.as_deref(),
            self.sms_callback_url.as_deref(),
        )
        .map_err(anyhow::Error::msg)?;
        Ok(config)
    }

    /// Where emails go, for the start-up message (never the relay's credentials).
    fn mail_destination(&self, config: &AppConfig) -> String {
        match &config.mail.smtp {
            Some(relay) => format!("sent through {} as {}", relay.describe(), config.mail.from),
            None => format!("written to {}", self.outbox.display()),
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web application (the default command).
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create an administrator account (password from PARCOURS_ADMIN_PASSWORD or stdin).
    CreateAdmin(CreateAdminArgs),
    /// Operators (tenants) of this installation: `tenant create` adds one and invites
    /// its first administrator by email.
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// Host administrators: accounts of the installation (member of no operator) who
    /// create operators from the page /hote/operateurs and open no operator's data.
    #[command(subcommand)]
    HostAdmin(HostAdminCommand),
    /// Reference data (ROME 4.0, communes, labour-market tension, ESCO).
    #[command(subcommand)]
    Ref(RefCommand),
    /// Rank the ROME occupations for a profile file, with reasons and cautions.
    Recommend(RecommendArgs),
    /// Run background jobs (emails, reminders, document purge) until stopped.
    Worker(WorkerArgs),
    /// Import data from files (participants of a programme, from a spreadsheet).
    #[command(subcommand)]
    Import(ImportCommand),
    /// Reports on a programme (outcomes), with small cells suppressed.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Generate a large synthetic programme, for benchmarks.
    Seed(SeedArgs),
    /// Copy the SQLite database, while it runs, to a new file, and check the copy
    /// (on PostgreSQL: pg_dump, see docs/deploy.md).
    Backup {
        /// The backup file to write (must not exist).
        file: PathBuf,
    },
    /// Put a backup in place of the SQLite database (stop the server first); the
    /// database replaced is kept beside it, never deleted.
    Restore {
        /// A file written by `parcours backup`.
        file: PathBuf,
    },
}

#[derive(Args)]
struct WorkerArgs {
    /// Run the jobs due now, print what was done, and exit.
    #[arg(long)]
    once: bool,
    #[command(flatten)]
    poll: PollArgs,
    /// Public URL used in emailed links.
    #[arg(
        long,
        env = "PARCOURS_BASE_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    base_url: String,
}

#[derive(Args, Clone, Copy)]
struct PollArgs {
    /// How often the worker looks for due jobs, in milliseconds.
    #[arg(long, env = "PARCOURS_WORKER_POLL_MS", default_value_t = 5000)]
    poll_ms: u64,
}

#[derive(Args)]
struct RecommendArgs {
    /// Profile JSON (v2, all optional): riasec, interests, experiences, skills, values,
    /// excluded_contexts, home_commune, max_commute_km, max_training, rejected, intent,
    /// qualification, hours, schedule_limits, health_limits, driving_licence, travel.
    #[arg(long)]
    profile: PathBuf,
    /// How many occupations to list.
    #[arg(long, default_value_t = 20)]
    top: usize,
    #[arg(long, value_enum, default_value = "json")]
    format: OutputFormat,
    /// Reference data folder (default: PARCOURS_REF_DIR, ./ref, then ../shared/ref).
    #[arg(long, env = "PARCOURS_REF_DIR")]
    ref_dir: Option<PathBuf>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum OutputFormat {
    Json,
    Text,
}

/// A profile that cannot be used: exit code 2, as for a usage error.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct BadProfile(String);

#[derive(Subcommand)]
enum ImportCommand {
    /// Participants from a CSV file with the header
    /// external_id,birth_year,commune,referrer,publics,entered_on,status,ended_on,drop_reason,outcome,contract_type,contract_months,training_qualifying
    /// (nothing is imported when a row has a problem; the programme is created if needed).
    Participants {
        /// The programme's slug.
        #[arg(long)]
        programme: String,
        /// The operator running the programme, when creating it (default: the first one).
        #[arg(long)]
        operator: Option<String>,
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum ReportCommand {
    /// Participants by status, outcomes at exit, durable employment and positive exits,
    /// broken down by public, referrer, département and entry quarter.
    Outcomes {
        /// The programme's slug.
        #[arg(long)]
        programme: String,
        #[arg(long, value_enum, default_value = "text")]
        format: OutputFormat,
        /// Cells with fewer people are suppressed (default: the programme's, else 11).
        #[arg(long)]
        min_cell: Option<u64>,
    },
}

#[derive(Args)]
struct SeedArgs {
    /// The programme's slug (created if needed). Required with --participants; with
    /// --beneficiaries, "generated" by default.
    #[arg(long)]
    programme: Option<String>,
    /// How many past participants to add, with their exit facts only (default 1,000,000).
    #[arg(long, conflicts_with = "beneficiaries")]
    participants: Option<usize>,
    /// How many beneficiaries to generate with their coaches (one per 40), the bilan's
    /// activities and answers, pistes, sessions with the coach and exit facts.
    #[arg(long)]
    beneficiaries: Option<usize>,
}

#[derive(Subcommand)]
enum RefCommand {
    /// Check a reference release and make it the active one.
    Import {
        /// Folder with rome4/, tension2020/, geo/ and esco-fr/.
        #[arg(long)]
        dir: PathBuf,
    },
}

#[derive(Args)]
struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// Public URL used in emailed links (default: http://BIND).
    #[arg(long, env = "PARCOURS_BASE_URL")]
    base_url: Option<String>,
    /// Seed the demo world if the database is empty (the default on a new database).
    #[arg(long, conflicts_with = "no_demo")]
    demo: bool,
    /// Never seed the demo world.
    #[arg(long)]
    no_demo: bool,
    /// Reference data folder (ROME, tension, communes, ESCO).
    #[arg(long, env = "PARCOURS_REF_DIR")]
    ref_dir: Option<PathBuf>,
    /// Do not run background jobs in this process (run `parcours worker` instead).
    #[arg(long)]
    no_worker: bool,
    /// Serve `/metrics` to requests with `Authorization: Bearer <token>`; without a
    /// token `/metrics` answers 404. Prefer the variable: arguments show in `ps`.
    #[arg(long, env = "PARCOURS_METRICS_TOKEN", hide_env_values = true)]
    metrics_token: Option<String>,
    #[command(flatten)]
    poll: PollArgs,
}

#[derive(Subcommand)]
enum TenantCommand {
    /// Create an operator organisation and invite its first administrator by email
    /// (a link to choose a password, valid 7 days, sent by the worker).
    Create(TenantCreateArgs),
}

#[derive(Args)]
struct TenantCreateArgs {
    /// The operator's name (unique on this installation, its slug too).
    #[arg(long)]
    name: String,
    /// The address of its first administrator (must not have an account yet).
    #[arg(long)]
    admin_email: String,
    /// The administrator's first name, used in the invitation.
    #[arg(long, default_value = "")]
    admin_first_name: String,
    /// The administrator's last name.
    #[arg(long, default_value = "")]
    admin_last_name: String,
}

#[derive(Subcommand)]
enum HostAdminCommand {
    /// Create a host administrator (password from PARCOURS_ADMIN_PASSWORD or stdin).
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
    },
}

#[derive(Args)]
struct CreateAdminArgs {
    #[arg(long)]
    email: String,
    #[arg(long)]
    name: String,
    /// The operator organisation; created when no organisation has this name.
    #[arg(long)]
    organisation: String,
}

fn main() -> std::process::ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) if e.downcast_ref::<BadProfile>().is_some() => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::from(2)
        }
        Err(e) => {
            // The whole chain, without a backtrace: operators read this.
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("PARCOURS_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,parcours=info")),
        )
        .with_target(false)
        .init();
    let cli = Cli::parse();
    match cli.command {
        None => serve(&cli.global, cli.serve).await,
        Some(Command::Serve(args)) => serve(&cli.global, args).await,
        Some(Command::Migrate) => {
            let db = open_database(&cli.global.database_url).await?;
            let applied = parcours_db::migrate(&db)
                .await
                .context("applying migrations")?;
            println!("{applied} migration(s) applied; the database is up to date.");
            Ok(())
        }
        Some(Command::CreateAdmin(args)) => create_admin(&cli.global, args).await,
        Some(Command::Tenant(TenantCommand::Create(args))) => {
            create_tenant(&cli.global, args).await
        }
        Some(Command::HostAdmin(HostAdminCommand::Create { email, name })) => {
            create_host_admin(&cli.global, &email, &name).await
        }
        Some(Command::Recommend(args)) => recommend(args),
        Some(Command::Worker(args)) => worker(&cli.global, args).await,
        Some(Command::Ref(RefCommand::Import { dir })) => import_reference(&cli.global, &dir).await,
        Some(Command::Import(ImportCommand::Participants {
            programme,
            operator,
            file,
        })) => import_participants(&cli.global, &programme, operator.as_deref(), &file).await,
        Some(Command::Report(ReportCommand::Outcomes {
            programme,
            format,
            min_cell,
        })) => report_outcomes(&cli.global, &programme, format, min_cell).await,
        Some(Command::Seed(args)) => seed(&cli.global, &args).await,
        Some(Command::Backup { file }) => {
            let done = parcours_db::backup::backup(&cli.global.database_url, &file).await?;
            println!(
                "Backup written to {} ({} bytes, checked): {} people, {} audit events, schema at migration {}.",
                done.path.display(),
                done.bytes,
                done.persons,
                done.audit_events,
                done.migrations
            );
            Ok(())
        }
        Some(Command::Restore { file }) => {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or_default();
            let done = parcours_db::backup::restore(&cli.global.database_url, &file, now).await?;
            println!(
                "Restored {} ({} people, {} audit events); {} migration(s) applied since.",
                done.restored.path.display(),
                done.restored.persons,
                done.restored.audit_events,
                done.migrated
            );
            if let Some(previous) = done.previous {
                println!(
                    "The database it replaced is kept as {}.",
                    previous.display()
                );
            }
            Ok(())
        }
    }
}

async fn open_database(url: &str) -> anyhow::Result<parcours_db::DatabaseConnection> {
    parcours_db::connect(url)
        .await
        .with_context(|| format!("opening the database {}", parcours_db::redact_url(url)))
}

/// Where reference data is read from: PARCOURS_REF_DIR, else ./ref, else ../shared/ref.
fn reference_dir(explicit: Option<PathBuf>) -> Option<PathBuf> {
    if let Some(dir) = explicit {
        return Some(dir);
    }
    [Path::new("ref"), Path::new("../shared/ref")]
        .into_iter()
        .find(|d| d.is_dir())
        .map(Path::to_path_buf)
}

async fn serve(global: &Global, args: ServeArgs) -> anyhow::Result<()> {
    let bind = args.bind;
    let db = open_database(&global.database_url).await?;
    let applied = parcours_db::migrate(&db)
        .await
        .context("applying migrations")?;
    let base_url = args
        .base_url
        .clone()
        .unwrap_or_else(|| format!("http://{bind}"))
        .trim_end_matches('/')
        .to_owned();
    let config = global.app_config(base_url.clone())?;
    let mail_destination = global.mail_destination(&config);
    let app = App::new(db, config)?;

    println!("Parcours {}", env!("CARGO_PKG_VERSION"));
    println!(
        "  database: {} at {} ({applied} migration(s) applied)",
        app.database_kind(),
        parcours_db::redact_url(&global.database_url)
    );
    match reference_dir(args.ref_dir.clone()) {
        Some(dir) => match app.import_reference(&dir).await {
            Ok(report) => {
                println!("  reference data loaded:");
                print_reference(&report, "    ");
            }
            Err(e) => println!(
                "  reference data in {} NOT loaded: {e}\n    the occupation explorer is unavailable until it is fixed",
                dir.display()
            ),
        },
        None => println!(
            "  no reference data found (set PARCOURS_REF_DIR, or put it in ./ref): the occupation explorer is unavailable"
        ),
    }
    println!("  emails are {mail_destination}");
    match &app.config().sms.gateway {
        Some(gateway) => println!("  SMS are sent through {}", gateway.describe()),
        None => println!("  SMS are written to {}", global.outbox.display()),
    }

    let seed = !args.no_demo && app.is_empty().await?;
    if seed {
        let world = app.seed_demo().await.context("seeding the demo world")?;
        let takings = app
            .seed_demo_answers(&world)
            .await
            .context("seeding the demo answers")?;
        println!(
            "  demo world seeded: {} beneficiaries in one programme, {} accounts, {} questionnaires answered, outcomes of {} participants of last year's programme",
            parcours_app::demo::DEMO_BENEFICIARIES,
            world.logins.len(),
            takings,
            parcours_app::demo::DEMO_HISTORY
        );
    } else if args.demo {
        println!("  the database is not empty: the demo world was not seeded again");
    }
    if args.no_worker {
        println!("  background jobs: not run here (--no-worker); run `parcours worker`");
    } else {
        println!(
            "  background jobs: run here every {} ms (emails, reminders, purge)",
            args.poll.poll_ms
        );
    }
    if app.has_demo().await? {
        println!(
            "\n  Demo logins (password: {}):",
            parcours_app::demo::DEMO_PASSWORD
        );
        for login in parcours_app::demo::demo_logins() {
            println!("    {:<34} {}", login.email, login.description);
        }
    }
    if app.needs_first_admin().await? {
        print_first_run(global, &base_url);
    }

    if !args.no_worker {
        tokio::spawn(run_worker(app.clone(), args.poll.poll_ms));
    }

    let listener = tokio::net::TcpListener::bind(bind).await.with_context(|| {
        format!("cannot listen on {bind} (is another Parcours running? try --bind 127.0.0.1:8081)")
    })?;
    let local = listener.local_addr().context("reading the bound address")?;
    println!("\n  Open http://{local}/  (Ctrl-C to stop)");
    let state = AppState::new(app).with_metrics_token(args.metrics_token.clone());
    if state.metrics_token.is_some() {
        println!("  /metrics: served to the bearer of PARCOURS_METRICS_TOKEN");
    } else {
        println!("  /metrics: disabled (set PARCOURS_METRICS_TOKEN to serve it)");
    }
    parcours_web::serve(listener, state)
        .await
        .context("serving")?;
    Ok(())
}

/// A fresh installation (no operator has an administrator): how to create the first
/// one, which creates the operator organisation too.
fn print_first_run(global: &Global, base_url: &str) {
    // The same database is found again by default or through the same variable.
    let same = global.database_url == DEFAULT_DATABASE_URL
        || std::env::var("PARCOURS_DATABASE_URL").is_ok_and(|v| v == global.database_url);
    let database = if same {
        String::new()
    } else {
        " --database-url <the same database>".to_owned()
    };
    println!(
        "\n  No administrator yet. Create the first one (it creates your organisation too):\n\
         \n    parcours{database} create-admin --email you@example.org --name \"Your Name\" --organisation \"Your organisation\"\n\
         \n  (from the source tree: cargo run --release --{database} create-admin …). The password is read\n\
         \x20 from PARCOURS_ADMIN_PASSWORD, or asked for. Then sign in at {base_url}/login: your home page\n\
         \x20 lists the set-up steps (your organisation, staff, partners, first programme, referrers)."
    );
}

/// Runs due jobs forever. A database hiccup is logged and the next round tries again.
async fn run_worker(app: App, poll_ms: u64) {
    let mut tick = tokio::time::interval(std::time::Duration::from_millis(poll_ms.max(100)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match app.run_due_jobs(app.now()).await {
            Ok(report) if report != parcours_app::jobs::RunReport::default() => tracing::info!(
                done = report.done,
                retried = report.retried,
                dead = report.dead,
                "background jobs run"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "background jobs could not run"),
        }
    }
}

async fn worker(global: &Global, args: WorkerArgs) -> anyhow::Result<()> {
    let db = open_database(&global.database_url).await?;
    parcours_db::migrate(&db)
        .await
        .context("applying migrations")?;
    let base_url = args.base_url.trim_end_matches('/').to_owned();
    let config = global.app_config(base_url)?;
    let mail_destination = global.mail_destination(&config);
    let app = App::new(db, config)?;
    if args.once {
        let report = app
            .run_due_jobs(app.now())
            .await
            .context("running due jobs")?;
        println!(
            "{} job(s) done, {} to try again, {} failed for good",
            report.done, report.retried, report.dead
        );
        return Ok(());
    }
    println!(
        "Parcours worker: running due jobs every {} ms (Ctrl-C to stop); emails are {mail_destination}",
        args.poll.poll_ms,
    );
    tokio::select! {
        () = run_worker(app, args.poll.poll_ms) => Ok(()),
        _ = tokio::signal::ctrl_c() => Ok(()),
    }
}

/// Thousands separated the French way, for counts read by people.
fn n(count: usize) -> String {
    let digits = count.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn print_reference(report: &ImportReport, indent: &str) {
    let c = &report.counts;
    println!(
        "{indent}ROME 4.0 version {} (published {}) from {}",
        report.version.number,
        report.version.published,
        report.dir.display()
    );
    println!(
        "{indent}  {} fiches, {} appellations, {} centres d'intérêt, {} mobility links, {} skills and contexts",
        n(c.fiches),
        n(c.appellations),
        n(c.centres_interet),
        n(c.mobility_links),
        n(c.items)
    );
    println!(
        "{indent}  {} communes, {} employment areas, {} tension rows; ESCO: {} occupations, {} skills",
        n(c.communes),
        n(c.employment_areas),
        n(c.tension_rows),
        n(c.esco_occupations),
        n(c.esco_skills)
    );
}

fn recommend(args: RecommendArgs) -> anyhow::Result<()> {
    use parcours_catalog::recommend::{Profile, WEIGHTS_VERSION, Weights, rank};
    let source = std::fs::read_to_string(&args.profile)
        .with_context(|| format!("reading {}", args.profile.display()))?;
    let profile: Profile = serde_json::from_str(&source).map_err(|e| {
        BadProfile(format!(
            "{}:{}:{}: {e}",
            args.profile.display(),
            e.line(),
            e.column()
        ))
    })?;
    let Some(dir) = reference_dir(args.ref_dir) else {
        bail!("no reference data found: set PARCOURS_REF_DIR or pass --ref-dir");
    };
    let catalog = parcours_catalog::load(&dir)
        .with_context(|| format!("loading the reference data in {}", dir.display()))?;
    let weights = Weights::default();
    let prepared = profile.prepare(&catalog, &weights).map_err(|errors| {
        let lines: Vec<String> = errors.iter().map(|e| format!("  {e}")).collect();
        BadProfile(format!(
            "{}: the profile does not fit the reference data:\n{}",
            args.profile.display(),
            lines.join("\n")
        ))
    })?;
    let list = rank(&catalog, &prepared, &weights, args.top);
    match args.format {
        OutputFormat::Json => {
            let out = serde_json::json!({
                "catalog_version": catalog.version.number,
                "weights_version": WEIGHTS_VERSION,
                "profile_flags": prepared.flags(),
                "notes": prepared.notes_fr(),
                "recommendations": list,
            });
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
        OutputFormat::Text => {
            println!(
                "ROME {} · weights {WEIGHTS_VERSION} · {} occupation(s)",
                catalog.version.number,
                list.len()
            );
            for note in prepared.notes_fr() {
                println!("  * {note}");
            }
            for (i, r) in list.iter().enumerate() {
                println!(
                    "\n{:>3}. {} {} — {:.1}",
                    i + 1,
                    r.code_rome,
                    r.label,
                    r.score
                );
                for reason in &r.reasons {
                    println!("       + {reason}");
                }
                for caution in &r.cautions {
                    println!("       ! {caution}");
                }
                if !r.skills_you_have.is_empty() {
                    println!("       = {}", r.skills_you_have.join(" · "));
                }
                if !r.skills_to_acquire.is_empty() {
                    println!("       > {}", r.skills_to_acquire.join(" · "));
                }
            }
        }
    }
    Ok(())
}

async fn import_reference(global: &Global, dir: &Path) -> anyhow::Result<()> {
    let db = open_database(&global.database_url).await?;
    parcours_db::migrate(&db)
        .await
        .context("applying migrations")?;
    let app = App::new(db, AppConfig::new(global.outbox.clone(), String::new()))?;
    match app.import_reference(dir).await {
        Ok(report) => {
            println!("Reference data imported and now active:");
            print_reference(&report, "  ");
            Ok(())
        }
        Err(ImportError::Load(e)) => {
            let previous = match app.active_reference().await? {
                Some(active) => format!("ROME version {} stays active", active.rome_version),
                None => "no catalog was active and none is now".to_owned(),
            };
            bail!(
                "reference data in {} refused: {e}\nNothing was changed: {previous}.",
                dir.display()
            )
        }
        Err(ImportError::App(e)) => Err(e.into()),
    }
}

/// The application on the database, migrations applied, for one-off commands.
async fn command_app(global: &Global) -> anyhow::Result<App> {
    let db = open_database(&global.database_url).await?;
    parcours_db::migrate(&db)
        .await
        .context("applying migrations")?;
    Ok(App::new(db, global.app_config(String::new())?)?)
}

/// A file read whole when it is at most `max` bytes; a larger one (or a device that never
/// ends) is refused without reading more than `max` + 1 bytes.
fn read_bounded(file: &Path, max: u64) -> anyhow::Result<Vec<u8>> {
    use std::io::Read;
    let opened =
        std::fs::File::open(file).with_context(|| format!("reading {}", file.display()))?;
    let mut bytes = Vec::new();
    opened
        .take(max + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("reading {}", file.display()))?;
    if bytes.len() as u64 > max {
        let size = std::fs::metadata(file).map_or(max + 1, |m| m.len().max(max + 1));
        return Err(BadProfile(format!(
            "{}: {}; nothing was imported",
            file.display(),
            parcours_app::outcomes::too_large_file(size)
        ))
        .into());
    }
    Ok(bytes)
}

async fn import_participants(
    global: &Global,
    programme: &str,
    operator: Option<&str>,
    file: &Path,
) -> anyhow::Result<()> {
    use parcours_app::outcomes::ImportFailure;
    let bytes = read_bounded(
        file,
        parcours_app::outcomes::MAX_PARTICIPANTS_MIB * 1024 * 1024,
    )?;
    let app = command_app(global).await?;
    match app.import_participants(programme, operator, &bytes).await {
        Ok(summary) => {
            if summary.programme_created {
                println!("Programme {programme} created for {}.", summary.operator);
            }
            let statuses: Vec<String> = summary
                .by_status
                .iter()
                .map(|(status, count)| format!("{status} {}", n(*count)))
                .collect();
            println!(
                "{} participant(s) imported into {programme} ({}).",
                n(summary.imported),
                statuses.join(", ")
            );
            Ok(())
        }
        Err(ImportFailure::Rows(problems)) => {
            for p in problems.iter().take(200) {
                eprintln!("{}:{}: {}: {}", file.display(), p.line, p.field, p.message);
            }
            if problems.len() > 200 {
                eprintln!("… and {} more", problems.len() - 200);
            }
            Err(BadProfile(format!(
                "{}: {} problem(s); nothing was imported",
                file.display(),
                problems.len()
            ))
            .into())
        }
        Err(ImportFailure::File(message)) => Err(BadProfile(format!(
            "{}: {message}; nothing was imported",
            file.display()
        ))
        .into()),
        Err(ImportFailure::App(e)) => Err(e.into()),
    }
}

async fn report_outcomes(
    global: &Global,
    programme: &str,
    format: OutputFormat,
    min_cell: Option<u64>,
) -> anyhow::Result<()> {
    let app = command_app(global).await?;
    let (_, report) = match app.outcomes_report_by_slug(programme, min_cell).await {
        Ok(found) => found,
        Err(AppError::NotFound) => {
            return Err(BadProfile(format!("no programme has the slug {programme:?}")).into());
        }
        Err(e) => return Err(e.into()),
    };
    match format {
        OutputFormat::Json => {
            println!("{}", serde_json::to_string_pretty(&report)?);
        }
        OutputFormat::Text => print!(
            "{}",
            parcours_app::outcomes::report_text(programme, &report)
        ),
    }
    Ok(())
}

async fn seed(global: &Global, args: &SeedArgs) -> anyhow::Result<()> {
    let app = command_app(global).await?;
    let started = std::time::Instant::now();
    if let Some(count) = args.beneficiaries {
        let slug = args.programme.as_deref().unwrap_or("generated");
        let seeded = app.seed_beneficiaries(slug, count).await?;
        println!(
            "{} beneficiaries added to {} in {:.1} s: {} coaches (first: {}, password {}), {} activities, {} answers, {} pistes, {} sessions, {} exits.",
            n(seeded.beneficiaries),
            seeded.programme,
            started.elapsed().as_secs_f64(),
            n(seeded.coaches),
            seeded.first_coach_email,
            parcours_app::demo::DEMO_PASSWORD,
            n(seeded.activities),
            n(seeded.answers),
            n(seeded.pistes),
            n(seeded.sessions),
            n(seeded.exits)
        );
        return Ok(());
    }
    let Some(slug) = args.programme.as_deref() else {
        anyhow::bail!("--programme SLUG is needed with --participants");
    };
    let added = app
        .seed_participants(slug, args.participants.unwrap_or(1_000_000))
        .await?;
    println!(
        "{} participant(s) added to {} in {:.1} s.",
        n(added),
        slug,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The new account's password: PARCOURS_ADMIN_PASSWORD, else a line read from stdin.
fn admin_password(email: &str) -> anyhow::Result<String> {
    match std::env::var("PARCOURS_ADMIN_PASSWORD") {
        Ok(p) => Ok(p),
        Err(_) => {
            eprintln!("Password for {email} (at least 10 characters), then Enter:");
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .context("reading the password")?;
            Ok(line.trim_end_matches(['\r', '\n']).to_owned())
        }
    }
}

async fn create_admin(global: &Global, args: CreateAdminArgs) -> anyhow::Result<()> {
    let password = admin_password(&args.email)?;
    let db = open_database(&global.database_url).await?;
    parcours_db::migrate(&db)
        .await
        .context("applying migrations")?;
    let app = App::new(db, AppConfig::new(global.outbox.clone(), String::new()))?;
    match app
        .create_admin(&args.email, &args.name, &args.organisation, &password)
        .await
    {
        Ok(_) => {
            println!(
                "Administrator {} created in \"{}\".",
                args.email.trim(),
                args.organisation.trim()
            );
            println!(
                "Next: start the server (parcours serve --no-demo) and sign in with this address;\n\
                 the home page lists the set-up steps, starting with your organisation's settings."
            );
            Ok(())
        }
        Err(AppError::Invalid(fields)) => {
            let reasons: Vec<String> = fields
                .iter()
                .map(|f| match (f.field, f.code) {
                    ("email", "taken") => {
                        "--email: an account with this email already exists".to_owned()
                    }
                    ("email", _) => "--email: not a valid email address".to_owned(),
                    ("password", "too_short") => {
                        "password: at least 10 characters are needed".to_owned()
                    }
                    ("password", _) => "password: not acceptable".to_owned(),
                    (field, code) => format!("--{field}: {code}"),
                })
                .collect();
            bail!("{}", reasons.join("; "))
        }
        Err(e) => Err(e.into()),
    }
}

async fn create_tenant(global: &Global, args: TenantCreateArgs) -> anyhow::Result<()> {
    use parcours_app::tenants::NewOperator;
    let app = command_app(global).await?;
    let input = NewOperator {
        name: args.name,
        admin_email: args.admin_email,
        admin_first_name: args.admin_first_name,
        admin_last_name: args.admin_last_name,
    };
    match app.create_operator_from_cli(&input).await {
        Ok(created) => {
            println!(
                "Operator \"{}\" created (slug {}), with its first administrator {} invited.",
                created.name, created.slug, created.admin_email
            );
            println!(
                "Next: the invitation email (a link to choose a password, valid 7 days) leaves with\n\
                 the background jobs: `parcours serve` runs them, or `parcours worker --once` now.\n\
                 Once signed in, the administrator's home lists the set-up steps. Operators stay\n\
                 apart: none sees anything of another."
            );
            Ok(())
        }
        Err(AppError::Invalid(fields)) => {
            let reasons: Vec<String> = fields
                .iter()
                .map(|f| match (f.field, f.code) {
                    ("name", "required") => "--name: the operator's name is needed".to_owned(),
                    ("name", "too_long") => "--name: at most 120 characters".to_owned(),
                    ("name", "no_letters") => {
                        "--name: the name needs at least one letter or digit".to_owned()
                    }
                    ("name", "taken") => {
                        "--name: an operator with this name already exists".to_owned()
                    }
                    ("name", "slug_taken") => format!(
                        "--name: an operator's name already gives the slug {:?}; choose a name \
                         that differs by more than case, accents or punctuation",
                        parcours_app::tenants::operator_slug(&input.name)
                    ),
                    ("admin_email", "required") => "--admin-email: an address is needed".to_owned(),
                    ("admin_email", "taken") => {
                        "--admin-email: an account with this email already exists; \
                         invite another address"
                            .to_owned()
                    }
                    ("admin_email", _) => "--admin-email: not a valid email address".to_owned(),
                    (field, "too_long") => {
                        format!("--{}: at most 80 characters", field.replace('_', "-"))
                    }
                    (field, code) => format!("--{}: {code}", field.replace('_', "-")),
                })
                .collect();
            bail!("{}; nothing was created", reasons.join("; "))
        }
        Err(e) => Err(e.into()),
    }
}

async fn create_host_admin(global: &Global, email: &str, name: &str) -> anyhow::Result<()> {
    let password = admin_password(email)?;
    let app = command_app(global).await?;
    match app.create_host_admin(email, name, &password).await {
        Ok(_) => {
            println!("Host administrator {} created.", email.trim());
            println!(
                "Next: sign in with this address; the page /hote/operateurs lists the operators and\n\
                 creates one with its first administrator invited. A host administrator opens no\n\
                 operator's data."
            );
            Ok(())
        }
        Err(AppError::Invalid(fields)) => {
            let reasons: Vec<String> = fields
                .iter()
                .map(|f| match (f.field, f.code) {
                    ("email", "taken") => {
                        "--email: an account with this email already exists".to_owned()
                    }
                    ("email", _) => "--email: not a valid email address".to_owned(),
                    ("name", _) => "--name: a name is needed".to_owned(),
                    ("password", "too_short") => {
                        "password: at least 10 characters are needed".to_owned()
                    }
                    ("password", _) => "password: not acceptable".to_owned(),
                    (field, code) => format!("--{field}: {code}"),
                })
                .collect();
            bail!("{}", reasons.join("; "))
        }
        Err(e) => Err(e.into()),
    }
}
