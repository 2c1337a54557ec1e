//! PGTune's algorithm (pgtune.leopard.in.ua, master of mid-2026), reproduced value for value: same
//! formulas, caps, floors and rounding, same emission order, same warnings. Restated from
//! `../shared/reference/pgtune-algorithm.md`; every number here is PGTune's, not ours.

use super::{Core, DataSize, Inputs, Origin, Os, Setting, Storage, Value, Workload};

const MB: u64 = 1024; // in kB
const GB: u64 = 1024 * 1024; // in kB

pub fn recommend(i: &Inputs) -> Core {
    use Workload::*;
    let ram = i.memory_kb;
    let t = i.workload;
    let v = i.version;
    // The Windows limits of PostgreSQL up to 17 (64-bit builds cap some sizes at 2GB).
    let windows_2gb = i.os == Os::Windows && v <= 17;
    let cpus = i.cpus.filter(|&c| c > 0);
    let mut out: Vec<Setting> = Vec::new();
    let mut push = |name: &str, value: Value, reason: &str| {
        out.push(Setting {
            name: name.to_string(),
            value,
            origin: Origin::Core,
            reason: reason.to_string(),
        })
    };

    let max_connections = i.connections.unwrap_or(match t {
        Web => 200,
        Oltp => 300,
        Dw => 40,
        Desktop => 20,
        Mixed => 100,
    });
    push(
        "max_connections",
        Value::Int(max_connections),
        "given, or the workload's typical count",
    );

    let shared_buffers = if t == Desktop { ram / 16 } else { ram / 4 };
    push(
        "shared_buffers",
        Value::Kb(shared_buffers),
        if t == Desktop {
            "1/16 of RAM on a desktop"
        } else {
            "1/4 of RAM"
        },
    );

    let effective_cache_size = if t == Desktop { ram / 4 } else { ram * 3 / 4 };
    push(
        "effective_cache_size",
        Value::Kb(effective_cache_size),
        if t == Desktop {
            "1/4 of RAM on a desktop"
        } else {
            "3/4 of RAM: what the OS and PostgreSQL can cache"
        },
    );

    let mut maintenance_work_mem = if t == Dw { ram / 8 } else { ram / 16 };
    let mwm_limit = if windows_2gb { 2 * GB } else { 8 * GB };
    if maintenance_work_mem >= mwm_limit {
        maintenance_work_mem = if windows_2gb {
            mwm_limit - MB
        } else {
            mwm_limit
        };
    }
    push(
        "maintenance_work_mem",
        Value::Kb(maintenance_work_mem),
        "1/16 of RAM (1/8 for dw), at most 8GB (2047MB on Windows before PostgreSQL 18)",
    );

    push(
        "checkpoint_completion_target",
        Value::text("0.9"),
        "spread checkpoint writes over 90% of the interval",
    );

    let mut wal_buffers = 3 * shared_buffers / 100;
    if wal_buffers > 16 * MB {
        wal_buffers = 16 * MB;
    }
    if wal_buffers > 14 * MB && wal_buffers < 16 * MB {
        wal_buffers = 16 * MB;
    }
    if wal_buffers < 32 {
        wal_buffers = 32;
    }
    push(
        "wal_buffers",
        Value::Kb(wal_buffers),
        "3% of shared_buffers, between 32kB and 16MB",
    );

    push(
        "default_statistics_target",
        Value::Int(if t == Dw { 500 } else { 100 }),
        if t == Dw {
            "finer statistics for analytical plans"
        } else {
            "PostgreSQL's default"
        },
    );

    let random_page_cost = if i.data_size == DataSize::LessThanRam {
        "1.1"
    } else if i.storage == Storage::Hdd || t == Dw {
        "4"
    } else {
        "1.1"
    };
    push(
        "random_page_cost",
        Value::text(random_page_cost),
        if random_page_cost == "4" {
            "random reads cost as much as PostgreSQL assumes (spinning disks, or a warehouse larger than RAM)"
        } else {
            "random reads are nearly as cheap as sequential ones (fast storage or data cached in RAM)"
        },
    );

    if i.os == Os::Linux {
        let eio = match i.storage {
            Storage::Hdd => 2,
            Storage::Ssd => 200,
            Storage::San => 300,
            Storage::Nvme => 1000,
        };
        push(
            "effective_io_concurrency",
            Value::Int(eio),
            "concurrent I/O the storage sustains",
        );
    }

    // Parallel settings come after the WAL sizes in the output, but work_mem depends on them.
    let parallel = cpus.filter(|&c| c >= 4).map(|c| {
        let mut per_gather = c.div_ceil(2);
        if t != Dw && per_gather > 4 {
            per_gather = 4;
        }
        // max_parallel_maintenance_workers exists from PostgreSQL 11 on.
        (c, per_gather, (v >= 11).then(|| c.div_ceil(2).min(4)))
    });

    let workers_for_work_mem = parallel.map(|(c, _, _)| c).unwrap_or(8);
    let base =
        (ram - shared_buffers) as f64 / ((max_connections + workers_for_work_mem) * 3) as f64;
    let mut work_mem = match t {
        Web | Oltp => base.floor(),
        Dw | Mixed => (base / 2.0).floor(),
        Desktop => (base / 6.0).floor(),
    };
    match i.data_size {
        DataSize::LessThanRam => work_mem = (work_mem * 1.3).floor(),
        DataSize::MoreThan3x => work_mem = (work_mem * 0.9).floor(),
        DataSize::RamTo3x => {}
    }
    let mut work_mem = (work_mem as u64).max(4 * MB);
    if windows_2gb {
        work_mem = work_mem.min(2 * GB - MB);
    }
    push(
        "work_mem",
        Value::Kb(work_mem),
        "(RAM - shared_buffers) / ((max_connections + workers) x 3), by workload and data size, at least 4MB",
    );

    let huge_pages = if i.os == Os::Mac {
        "off"
    } else if shared_buffers >= 2 * GB {
        "try"
    } else {
        "off"
    };
    push(
        "huge_pages",
        Value::text(huge_pages),
        if huge_pages == "try" {
            "shared_buffers of 2GB or more benefits from huge pages"
        } else {
            "small shared memory, or macOS"
        },
    );

    if v >= 12 && matches!(t, Web | Oltp | Mixed) {
        push(
            "jit",
            Value::text("off"),
            "JIT slows short queries down more than it speeds long ones up",
        );
    }

    push(
        "wal_compression",
        Value::text(if v >= 15 { "lz4" } else { "on" }),
        "compress full-page images in WAL",
    );

    match cpus {
        Some(c) if c >= 32 => push("autovacuum_max_workers", Value::Int(5), "32 or more CPUs"),
        Some(c) if c >= 16 => push("autovacuum_max_workers", Value::Int(4), "16 or more CPUs"),
        _ => {}
    }

    if maintenance_work_mem >= 2 * GB {
        push(
            "autovacuum_work_mem",
            Value::Kb(2 * GB),
            "keep each autovacuum worker at 2GB",
        );
    }

    let io_method = (v >= 18).then_some(if i.os == Os::Linux {
        "io_uring"
    } else {
        "worker"
    });
    if let Some(method) = io_method {
        push(
            "io_method",
            Value::text(method),
            "asynchronous I/O (PostgreSQL 18)",
        );
    }
    if let (Some(c), Some("worker")) = (cpus, io_method) {
        let workers = (c / 4).clamp(3, 32);
        if workers > 3 {
            push(
                "io_workers",
                Value::Int(workers),
                "one I/O worker per 4 CPUs",
            );
        }
    }

    let (min_wal, max_wal) = match t {
        Web | Mixed => (GB, 4 * GB),
        Oltp => (2 * GB, 8 * GB),
        Dw => (4 * GB, 16 * GB),
        Desktop => (100 * MB, 2 * GB),
    };
    push("min_wal_size", Value::Kb(min_wal), "per workload");
    push("max_wal_size", Value::Kb(max_wal), "per workload");

    if let Some((c, per_gather, maintenance)) = parallel {
        push("max_worker_processes", Value::Int(c), "one per CPU");
        push(
            "max_parallel_workers_per_gather",
            Value::Int(per_gather),
            "half the CPUs, at most 4 unless dw",
        );
        push("max_parallel_workers", Value::Int(c), "one per CPU");
        if let Some(m) = maintenance {
            push(
                "max_parallel_maintenance_workers",
                Value::Int(m),
                "half the CPUs, at most 4",
            );
        }
    }

    if t == Desktop {
        push(
            "wal_level",
            Value::text("minimal"),
            "no replication or archiving on a desktop",
        );
        push(
            "max_wal_senders",
            Value::text("0"),
            "required by wal_level = minimal",
        );
    }

    Core {
        warnings: warnings(i, v),
        settings: out,
    }
}

fn warnings(i: &Inputs, v: u32) -> Vec<Vec<String>> {
    let lines = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let mut groups = Vec::new();
    if i.memory_kb < 256 * MB {
        groups.push(lines(&[
            "this tool not being optimal",
            "for low memory systems",
        ]));
    } else if i.memory_kb > 100 * GB {
        groups.push(lines(&[
            "this tool not being optimal",
            "for very high memory systems",
        ]));
    }
    if v >= 15 {
        groups.push(lines(&[
            "wal_compression = lz4 requires PostgreSQL",
            "to be compiled with --with-lz4",
        ]));
    }
    if v >= 18 && i.os == Os::Linux {
        groups.push(lines(&[
            "io_method = io_uring requires PostgreSQL",
            "to be compiled with --with-liburing",
        ]));
    }
    if i.workload == Workload::Dw
        && i.storage != Storage::Hdd
        && i.data_size != DataSize::LessThanRam
    {
        let storage = match i.storage {
            Storage::Nvme => "NVMe drives",
            Storage::San => "SAN storage",
            _ => "SSDs",
        };
        groups.push(vec![
            format!("Cost parameters for Data Warehouses on {storage} are left at defaults"),
            "to avoid catastrophic index scan selections".into(),
            "Monitor query planner behavior and adjust random_page_cost if necessary".into(),
        ]);
    }
    groups
}

#[cfg(test)]
mod tests;
