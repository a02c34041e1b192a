//! `ossc`: the command line of `oss-client`, for the emulator and for real OSS.
//!
//! ```text
//! ossc --endpoint http://127.0.0.1:9000 mb oss://demo
//! ossc --endpoint http://127.0.0.1:9000 cp ./big.bin oss://demo/big.bin
//! ossc --endpoint http://127.0.0.1:9000 cp oss://demo/big.bin oss://demo/copy.bin --threshold 10MiB
//! ```

mod bulk;
mod commands;
mod output;
mod restore;
mod stream;
mod tags;
mod versions;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use oss_client::{Addressing, Client, Config, Error, Profile, RetryPolicy, SignatureVersion};

use output::Output;

#[derive(Parser, Debug)]
#[command(name = "ossc", version, about = "Alibaba Cloud OSS from the command line (real OSS or the emulator)")]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Debug)]
#[command(next_help_heading = "Global options")]
struct Global {
    /// Service endpoint, e.g. http://127.0.0.1:9000 or https://oss-cn-hangzhou.aliyuncs.com.
    #[arg(long, short = 'e', env = "OSS_ENDPOINT", global = true)]
    endpoint: Option<String>,
    /// Region (cn-hangzhou); derived from an aliyuncs.com endpoint when absent.
    #[arg(long, env = "OSS_REGION", global = true)]
    region: Option<String>,
    /// AccessKey ID.
    #[arg(long, env = "OSS_ACCESS_KEY_ID", global = true)]
    access_key_id: Option<String>,
    /// AccessKey secret.
    #[arg(long, env = "OSS_ACCESS_KEY_SECRET", hide_env_values = true, global = true)]
    access_key_secret: Option<String>,
    /// STS security token.
    #[arg(long, env = "OSS_SESSION_TOKEN", hide_env_values = true, global = true)]
    sts_token: Option<String>,
    /// ossutil configuration file [default: ~/.ossutilconfig when it exists].
    #[arg(long, env = "OSSC_CONFIG_FILE", global = true)]
    config_file: Option<PathBuf>,
    /// Profile (section) of the configuration file.
    #[arg(long, env = "OSSC_PROFILE", global = true)]
    profile: Option<String>,
    /// Signature version.
    #[arg(long, value_enum, env = "OSSC_SIGNATURE_VERSION", default_value = "v4", global = true)]
    signature_version: SigVersion,
    /// Bucket addressing [default: path style for IP and localhost endpoints, else virtual host].
    #[arg(long, value_enum, global = true)]
    addressing: Option<AddressingArg>,
    /// Connect to ADDR for HOST and every name under it, without DNS (HOST=IP:PORT), e.g.
    /// oss-cn-hangzhou.aliyuncs.com=127.0.0.1:9000 to reach the emulator by OSS's names.
    #[arg(long, value_name = "HOST=ADDR", global = true)]
    resolve: Vec<String>,
    /// Attempts per request, the first included (1 = no retries).
    #[arg(long, default_value_t = 3, global = true)]
    max_attempts: u32,
    /// Seconds before a request without progress is given up.
    #[arg(long, default_value_t = 300, global = true)]
    timeout: u64,
    /// Machine-readable JSON output.
    #[arg(long, global = true)]
    json: bool,
    /// Print nothing but errors.
    #[arg(long, short = 'q', global = true)]
    quiet: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum SigVersion {
    #[value(alias = "1")]
    V1,
    #[value(alias = "4")]
    V4,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum AddressingArg {
    Path,
    #[value(alias = "virtual-host")]
    Virtual,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Copy objects and files: oss://→oss:// on the server, local→oss:// (upload), oss://→local
    /// (download), `-` for standard input or output; -r for whole directories and prefixes.
    Cp(commands::CpArgs),
    /// Make DST hold what SRC holds: copy what is missing or differs, optionally delete the rest.
    Sync(bulk::SyncArgs),
    /// Move: copy, then remove the source (server-side between OSS locations).
    Mv(commands::CpArgs),
    /// Write an object to standard output.
    Cat {
        /// The object, oss://bucket/key.
        url: String,
        /// Read this version instead of the current one.
        #[arg(long, value_name = "ID")]
        version_id: Option<String>,
    },
    /// List buckets, or the objects under oss://bucket[/prefix].
    Ls(commands::LsArgs),
    /// Count the objects and bytes under oss://bucket[/prefix].
    Du(commands::DuArgs),
    /// Show an object's metadata (HeadObject).
    Stat {
        /// The object, oss://bucket/key.
        url: String,
        /// Show this version instead of the current one.
        #[arg(long, value_name = "ID")]
        version_id: Option<String>,
    },
    /// Show a bucket's versioning, or turn it on (enable) or pause it (suspend).
    Versioning(versions::VersioningArgs),
    /// Change an object's metadata (a copy onto itself with the REPLACE directive).
    SetMeta(commands::SetMetaArgs),
    /// Show, set (--set K=V ...) or remove (--rm) the tags of an object or a bucket.
    Tag(tags::TagArgs),
    /// Restore an archived object (Archive, ColdArchive, DeepColdArchive) so it can be read;
    /// `ossc stat` shows how the restore stands.
    Restore(restore::RestoreArgs),
    /// Make a bucket.
    Mb {
        /// The bucket to make, oss://bucket.
        url: String,
        /// Canned ACL: private, public-read, public-read-write.
        #[arg(long)]
        acl: Option<String>,
    },
    /// Remove a bucket (empty, or with --force everything in it first).
    Rb(commands::RbArgs),
    /// Remove an object, or with --recursive everything under a prefix.
    Rm(commands::RmArgs),
    /// Print a presigned URL.
    Presign(commands::PresignArgs),
    /// Multipart uploads: list them, list one's parts (--upload-id), abort (--abort).
    Parts(commands::PartsArgs),
    /// Print a shell completion script: `ossc completions bash > /etc/bash_completion.d/ossc`.
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// The top-level command, whose global options each subcommand accepts too but does not list:
/// `ossc cp --help` shows what cp takes, and one line pointing at `ossc --help` for the rest.
fn command() -> clap::Command {
    let top = Cli::command();
    let globals: Vec<clap::Arg> = top.get_arguments().filter(|a| a.is_global_set()).cloned().collect();
    let note = "Global options (endpoint, credentials, profile, JSON or quiet output, retries, ...) are accepted \
                here too: see `ossc --help`.";
    let names: Vec<String> = top.get_subcommands().map(|c| c.get_name().to_owned()).collect();
    names.into_iter().fold(top, |top, name| {
        top.mut_subcommand(name, |sub| {
            // An argument the subcommand already has is not propagated again, so hidden copies
            // keep the globals working after the subcommand without listing them.
            globals.iter().fold(sub.after_help(note), |sub, a| sub.arg(a.clone().hide(true)))
        })
    })
}

fn build_client(g: &Global) -> Result<Client, Error> {
    let flags = Profile {
        endpoint: g.endpoint.clone(),
        region: g.region.clone(),
        access_key_id: g.access_key_id.clone(),
        access_key_secret: g.access_key_secret.clone(),
        security_token: g.sts_token.clone(),
    };
    let file = match (&g.config_file, Profile::default_ossutil_path()) {
        (Some(path), _) => Profile::from_ossutil_file(path, g.profile.as_deref())?,
        (None, Some(path)) if path.is_file() => Profile::from_ossutil_file(&path, g.profile.as_deref())?,
        _ => Profile::default(),
    };
    let mut config: Config = flags.or(file).into_config()?;
    config = config
        .signature(match g.signature_version {
            SigVersion::V1 => SignatureVersion::V1,
            SigVersion::V4 => SignatureVersion::V4,
        })
        .retry(RetryPolicy::standard().max_attempts(g.max_attempts))
        .read_timeout(Some(Duration::from_secs(g.timeout.max(1))))
        // Multipart transfers keep parts in flight for long; the read timeout catches stalls.
        .timeout(None)
        .user_agent(concat!("ossc/", env!("CARGO_PKG_VERSION")));
    if let Some(a) = g.addressing {
        config = config.addressing(match a {
            AddressingArg::Path => Addressing::PathStyle,
            AddressingArg::Virtual => Addressing::VirtualHost,
        });
    }
    for rule in &g.resolve {
        let (host, addr) =
            rule.split_once('=').ok_or_else(|| Error::Usage(format!("--resolve {rule:?}: expected HOST=IP:PORT")))?;
        let addr: SocketAddr =
            addr.parse().map_err(|e| Error::Usage(format!("--resolve {rule:?}: {addr:?} is not IP:PORT ({e})")))?;
        config = config.resolve(host, addr);
    }
    Client::new(config)
}

#[tokio::main]
async fn main() -> ExitCode {
    let matches = command().get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    if let Command::Completions { shell } = cli.command {
        let mut out = std::io::stdout();
        clap_complete::generate(shell, &mut command(), "ossc", &mut out);
        return ExitCode::SUCCESS;
    }
    let mut out = Output::new(cli.global.json, cli.global.quiet);
    let client = match build_client(&cli.global) {
        Ok(c) => c,
        Err(e) => return out.fail(&e),
    };
    out.endpoint = client.config().endpoint().to_owned();
    out.anonymous = client.config().current_credentials().is_none();
    let result = match cli.command {
        Command::Cp(args) => commands::cp(&client, &out, args, false).await,
        Command::Mv(args) => commands::cp(&client, &out, args, true).await,
        Command::Sync(args) => bulk::sync(&client, &out, args).await,
        Command::Cat { url, version_id } => stream::cat(&client, &out, &url, version_id).await,
        Command::Ls(args) => commands::ls(&client, &out, args).await,
        Command::Du(args) => commands::du(&client, &out, args).await,
        Command::Stat { url, version_id } => commands::stat(&client, &out, &url, version_id).await,
        Command::Versioning(args) => versions::versioning(&client, &out, args).await,
        Command::SetMeta(args) => commands::set_meta(&client, &out, args).await,
        Command::Tag(args) => tags::tag(&client, &out, args).await,
        Command::Restore(args) => restore::restore(&client, &out, args).await,
        Command::Mb { url, acl } => commands::mb(&client, &out, &url, acl.as_deref()).await,
        Command::Rb(args) => commands::rb(&client, &out, args).await,
        Command::Rm(args) => commands::rm(&client, &out, args).await,
        Command::Presign(args) => commands::presign(&client, &out, args),
        Command::Parts(args) => commands::parts(&client, &out, args).await,
        Command::Completions { .. } => Ok(()),
    };
    match result {
        Ok(()) => ExitCode::from(out.exit_code()),
        Err(e) => out.fail(&e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every argument of every subcommand says what it is for.
    #[test]
    fn every_argument_is_described() {
        let mut cmd = command();
        cmd.build();
        let mut missing = Vec::new();
        for sub in cmd.get_subcommands() {
            for arg in sub.get_arguments().filter(|a| !a.is_hide_set()) {
                if arg.get_help().is_none() && arg.get_long_help().is_none() {
                    missing.push(format!("{} {}", sub.get_name(), arg.get_id()));
                }
            }
        }
        for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
            if arg.get_help().is_none() && arg.get_long_help().is_none() {
                missing.push(format!("ossc {}", arg.get_id()));
            }
        }
        assert!(missing.is_empty(), "undescribed: {missing:?}");
    }
}
