using DistNet.Core.Training;
using DistNet.Training.Hosting;
using DistNet.Training.Workers;

namespace DistNet.Training.Tests;

/// <summary>Alone: it blocks the process's thread pool for a moment, which would slow any test running beside it.</summary>
[CollectionDefinition(nameof(StarvedPoolTests), DisableParallelization = true)]
[Collection(nameof(StarvedPoolTests))]
public class StarvedPoolTests
{
    [Fact]
    public void A_task_timeout_fires_while_the_thread_pool_is_blocked()
    {
        // Worker 2 sits on its third task for 800 ms; the timeout is 100 ms. From the start until the
        // step after that one, more pool threads than the pool has or will add in that time are
        // blocked: a watchdog that needs a pool thread to fire would wake only after the answer had
        // come, and nothing would time out (checked: it failed so with a System.Threading.Timer).
        using var release = new ManualResetEventSlim();
        var slowOnce = new SlowOnce(task: 3, TimeSpan.FromMilliseconds(800));
        var steady = new TestFaults { Delay = TimeSpan.FromMilliseconds(10) };
        DistributedResult result;
        try
        {
            result = FailureTests.Run(faults: i => i == 2 ? slowOnce : steady,
                distributed: new DistributedSettings { Workers = 3, TaskTimeout = TimeSpan.FromMilliseconds(100) },
                observer: new ReleaseAfter(batches: 4, release),
                onStarted: (_, _) =>
                {
                    ThreadPool.GetMinThreads(out int threads, out _);
                    for (int i = 0; i < threads + 16; i++) ThreadPool.UnsafeQueueUserWorkItem(_ => release.Wait(TimeSpan.FromSeconds(5)), null);
                });
        }
        finally
        {
            release.Set();
        }
        Assert.True(result.Stats.TimedOut >= 1, result.Stats.ToString());
        Assert.True(result.LedgerExactlyOnce);
    }

    private sealed class ReleaseAfter(int batches, ManualResetEventSlim release) : ITrainingObserver
    {
        private int _batches;

        public void OnBatch(int epoch, int batch, int batchesPerEpoch, double runningLoss)
        {
            if (++_batches == batches) release.Set();
        }
    }
}
