using Akka.Actor;
using DistNet.Training.Hosting;

namespace DistNet.Training.Tests.Hosting;

/// <summary>The dispatcher a worker node's channel reader runs its worker and link on.</summary>
public sealed class CallerRunsExecutorTests
{
    private sealed record Hop(int Left, int[] Threads, int[] Depths);

    /// <summary>Passes a hop to its partner until none are left, noting its thread and stack depth each time.</summary>
    private sealed class Relay : ReceiveActor
    {
        public IActorRef? Partner;

        public Relay(TaskCompletionSource<Hop> done)
        {
            Receive<IActorRef>(partner => Partner = partner);
            Receive<Hop>(hop =>
            {
                hop.Threads[hop.Left] = Environment.CurrentManagedThreadId;
                hop.Depths[hop.Left] = new System.Diagnostics.StackTrace().FrameCount;
                if (hop.Left == 0) done.SetResult(hop);
                else Partner!.Tell(hop with { Left = hop.Left - 1 });
            });
        }
    }

    [Fact]
    public async Task Actors_run_on_the_sending_thread_and_a_chain_of_sends_between_them_runs_flat()
    {
        using var system = ActorSystem.Create("caller-runs", AkkaConfig.Default);
        var done = new TaskCompletionSource<Hop>(TaskCreationOptions.RunContinuationsAsynchronously);
        var a = system.ActorOf(Props.Create(() => new Relay(done)).WithDispatcher(AkkaConfig.ChannelReaderDispatcher));
        var b = system.ActorOf(Props.Create(() => new Relay(done)).WithDispatcher(AkkaConfig.ChannelReaderDispatcher));
        a.Tell(b);
        b.Tell(a);
        const int hops = 5_000;
        int sender = 0;
        var thread = new Thread(() =>
        {
            sender = Environment.CurrentManagedThreadId;
            a.Tell(new Hop(hops, new int[hops + 1], new int[hops + 1]));
        });
        // Another thread's send, after the setup messages above have surely run (on this thread).
        await Task.Delay(100);
        thread.Start();
        thread.Join();
        var hop = await done.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.All(hop.Threads, t => Assert.Equal(sender, t));
        // Nested, each hop would sit deeper on the stack than the one before; flat, all are equally deep.
        Assert.Equal(hop.Depths.Min(), hop.Depths.Max());
    }
}
