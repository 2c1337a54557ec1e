//! Maintenance work as a graph of jobs: each one statement on one relation, some waiting for others
//! (a materialized view for the views it reads). The scheduler is pure: it hands out the largest job
//! whose dependencies have succeeded, and when a job fails, it skips everything that depends on it
//! and nothing else. `run` executes a schedule over N connections.

pub mod run;

use serde::Serialize;

/// One statement to run.
#[derive(Debug, Clone, Serialize)]
pub struct Job {
    /// Schema-qualified, quoted name of the relation.
    pub relation: String,
    /// The exact statement (identifiers quoted).
    pub statement: String,
    /// Why this relation was picked.
    pub reason: String,
    pub bytes: i64,
    /// Higher goes first among ready jobs: the size for analyze and refresh (vacuumdb's largest
    /// first), the transaction ID age for a freeze.
    #[serde(skip)]
    pub priority: i64,
    /// Indexes of jobs that must succeed first.
    #[serde(skip)]
    pub after: Vec<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum JobStatus {
    Done,
    Failed,
    /// Another session held a lock on it: not waited for beyond lock_timeout.
    SkippedLocked,
    /// The server skipped it: this role may not maintain it (not its owner).
    SkippedPrivilege,
    /// Left alone: this command's statement cannot fix it (the reason says what does).
    SkippedNotApplicable,
    /// A job it depends on failed.
    SkippedDependency,
    /// Not started: the time budget was spent.
    SkippedBudget,
    /// Stopped or never started because the run was interrupted (Ctrl-C, SIGTERM); its server
    /// statement was cancelled.
    Cancelled,
}

impl JobStatus {
    /// The outcome in a few words, for a run's summary.
    pub fn words(self) -> &'static str {
        match self {
            JobStatus::Done => "done",
            JobStatus::Failed => "failed",
            JobStatus::SkippedLocked => "skipped, locked",
            JobStatus::SkippedPrivilege => "skipped, not its owner",
            JobStatus::SkippedNotApplicable => "skipped, needs another fix",
            JobStatus::SkippedDependency => "skipped, its dependency did not run",
            JobStatus::SkippedBudget => "skipped, budget spent",
            JobStatus::Cancelled => "cancelled",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// Quoted and qualified, as the statement names it.
    pub relation: String,
    /// Its raw schema and name.
    pub schema: String,
    pub name: String,
    pub statement: String,
    pub reason: String,
    pub status: JobStatus,
    /// When it started, in seconds from the start of the run.
    pub started: f64,
    pub seconds: f64,
    pub attempts: u32,
    pub detail: Option<String>,
}

impl Outcome {
    /// How a job ended (`started`, `seconds`, `attempts` and `detail` still to be said).
    pub fn of(job: &Job, status: JobStatus) -> Outcome {
        Outcome::new(&job.relation, &job.statement, &job.reason, status)
    }

    pub fn new(relation: &str, statement: &str, reason: &str, status: JobStatus) -> Outcome {
        let (schema, name) = crate::sql::quote::split_qualified(relation);
        Outcome {
            relation: relation.to_string(),
            schema,
            name,
            statement: statement.to_string(),
            reason: reason.to_string(),
            status,
            started: 0.0,
            seconds: 0.0,
            attempts: 0,
            detail: None,
        }
    }
}

/// Where a job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Pending,
    Running,
    Succeeded,
    /// Failed, or skipped: its dependents never run.
    Dead,
}

/// Which jobs may start, given what has happened. Every operation is O(log n) per job, so ten thousand
/// jobs cost nothing next to the statements they run.
#[derive(Debug)]
pub struct Scheduler {
    jobs: Vec<Job>,
    stage: Vec<Stage>,
    /// For each job, the jobs waiting on it.
    dependents: Vec<Vec<usize>>,
    /// For each job, how many of its dependencies have not succeeded yet.
    unmet: Vec<usize>,
    /// Pending jobs with no unmet dependency, highest priority (then lowest index) on top.
    ready: std::collections::BinaryHeap<(i64, std::cmp::Reverse<usize>)>,
    pending: usize,
    running: usize,
}

impl Scheduler {
    pub fn new(jobs: Vec<Job>) -> Scheduler {
        let mut dependents = vec![Vec::new(); jobs.len()];
        let mut unmet = vec![0; jobs.len()];
        for (i, j) in jobs.iter().enumerate() {
            for &d in &j.after {
                dependents[d].push(i);
                unmet[i] += 1;
            }
        }
        let ready = jobs
            .iter()
            .enumerate()
            .filter(|(i, _)| unmet[*i] == 0)
            .map(|(i, j)| (j.priority, std::cmp::Reverse(i)))
            .collect();
        Scheduler {
            stage: vec![Stage::Pending; jobs.len()],
            pending: jobs.len(),
            jobs,
            dependents,
            unmet,
            ready,
            running: 0,
        }
    }

    /// The jobs level by level, each level in the order the runner takes ready jobs (priority,
    /// ties by position): what a dry run lists, so it lists what the run does.
    pub fn planned_order(&self) -> Vec<(usize, Vec<usize>)> {
        self.levels()
            .into_iter()
            .enumerate()
            .map(|(level, mut jobs)| {
                jobs.sort_by_key(|&i| (std::cmp::Reverse(self.jobs[i].priority), i));
                (level, jobs)
            })
            .collect()
    }

    pub fn job(&self, i: usize) -> &Job {
        &self.jobs[i]
    }

    pub fn len(&self) -> usize {
        self.jobs.len()
    }

    /// The highest-priority pending job whose dependencies all succeeded.
    pub fn next(&mut self) -> Option<usize> {
        while let Some((_, std::cmp::Reverse(i))) = self.ready.pop() {
            if self.stage[i] == Stage::Pending {
                self.stage[i] = Stage::Running;
                self.pending -= 1;
                self.running += 1;
                return Some(i);
            }
        }
        None
    }

    /// Records a finished job; on failure returns the pending jobs that now can never run, which are
    /// taken out of the schedule.
    pub fn finish(&mut self, i: usize, ok: bool) -> Vec<usize> {
        self.running -= 1;
        if ok {
            self.stage[i] = Stage::Succeeded;
            for d in self.dependents[i].clone() {
                self.unmet[d] -= 1;
                if self.unmet[d] == 0 && self.stage[d] == Stage::Pending {
                    self.ready
                        .push((self.jobs[d].priority, std::cmp::Reverse(d)));
                }
            }
            return Vec::new();
        }
        self.stage[i] = Stage::Dead;
        let mut doomed = Vec::new();
        let mut stack = self.dependents[i].clone();
        while let Some(d) = stack.pop() {
            if self.stage[d] == Stage::Pending {
                self.stage[d] = Stage::Dead;
                self.pending -= 1;
                doomed.push(d);
                stack.extend(self.dependents[d].iter().copied());
            }
        }
        doomed.sort_unstable();
        doomed
    }

    /// Takes every pending job out (the budget is spent).
    pub fn drain_pending(&mut self) -> Vec<usize> {
        let all: Vec<usize> = (0..self.jobs.len())
            .filter(|&i| self.stage[i] == Stage::Pending)
            .collect();
        for &i in &all {
            self.stage[i] = Stage::Dead;
        }
        self.pending = 0;
        all
    }

    pub fn is_finished(&self) -> bool {
        self.pending == 0 && self.running == 0
    }

    /// Nothing can start now, but something is running that may unblock more.
    pub fn waiting(&self) -> bool {
        self.running > 0
    }

    /// Dependency levels for `--dry-run`: level 0 depends on nothing, level n on level n-1 at most.
    pub fn levels(&self) -> Vec<Vec<usize>> {
        let mut level = vec![0usize; self.jobs.len()];
        // Dependencies always point at existing jobs and form no cycle; a few passes settle it.
        for _ in 0..self.jobs.len() {
            let mut changed = false;
            for (i, j) in self.jobs.iter().enumerate() {
                let l = j.after.iter().map(|d| level[*d] + 1).max().unwrap_or(0);
                if l != level[i] {
                    level[i] = l;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        let depth = level.iter().copied().max().map(|m| m + 1).unwrap_or(0);
        let mut out = vec![Vec::new(); depth];
        for (i, l) in level.into_iter().enumerate() {
            out[l].push(i);
        }
        out
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_planned_order_is_the_run_order_not_the_size_order() {
        let job = |name: &str, bytes: i64, priority: i64| Job {
            relation: name.into(),
            statement: format!("VACUUM {name}"),
            reason: String::new(),
            bytes,
            priority,
            after: vec![],
        };
        // A freeze: the small table is the oldest, so it goes first.
        let mut s = Scheduler::new(vec![job("big_young", 1000, 10), job("old_small", 1, 99)]);
        let planned: Vec<usize> = s.planned_order().into_iter().flat_map(|(_, l)| l).collect();
        let mut run = Vec::new();
        while let Some(i) = s.next() {
            run.push(i);
            s.finish(i, true);
        }
        assert_eq!(planned, vec![1, 0]);
        assert_eq!(planned, run);
    }

    use super::*;

    fn job(name: &str, bytes: i64, after: &[usize]) -> Job {
        Job {
            relation: name.into(),
            statement: format!("REFRESH MATERIALIZED VIEW {name}"),
            reason: String::new(),
            bytes,
            priority: bytes,
            after: after.to_vec(),
        }
    }

    #[test]
    fn largest_ready_first_and_dependencies_wait() {
        // a <- b <- c, and an independent d that is the largest.
        let mut s = Scheduler::new(vec![
            job("a", 10, &[]),
            job("b", 50, &[0]),
            job("c", 5, &[1]),
            job("d", 100, &[]),
        ]);
        assert_eq!(s.next(), Some(3));
        assert_eq!(s.next(), Some(0));
        assert_eq!(s.next(), None, "b waits for a");
        assert!(s.waiting());
        s.finish(0, true);
        assert_eq!(s.next(), Some(1));
        s.finish(3, true);
        s.finish(1, true);
        assert_eq!(s.next(), Some(2));
        s.finish(2, true);
        assert!(s.is_finished());
        assert_eq!(s.levels(), vec![vec![0, 3], vec![1], vec![2]]);
    }

    #[test]
    fn a_failure_skips_its_dependents_only() {
        let mut s = Scheduler::new(vec![
            job("a", 1, &[]),
            job("b", 1, &[0]),
            job("c", 1, &[1]),
            job("d", 1, &[]),
        ]);
        let first = s.next().unwrap();
        let second = s.next().unwrap();
        assert_eq!((first, second), (0, 3));
        assert_eq!(s.finish(0, false), vec![1, 2]);
        s.finish(3, true);
        assert!(s.is_finished());
    }
}
