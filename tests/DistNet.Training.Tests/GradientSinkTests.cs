using Akka.Actor;
using DistNet.Training.Hosting;
using DistNet.Training.Server;
using DistNet.Training.Workers;

namespace DistNet.Training.Tests;

/// <summary>A worker with a gradient sink hands over a single shard's gradient range by range while computing it.</summary>
public sealed class GradientSinkTests
{
    private sealed class RecordingSink : IGradientSink
    {
        public List<(long Task, int Shard, int Start, float[] Values)> Ranges { get; } = [];

        public void Ready(long taskId, int shard, float[] gradient, int start, int count)
        {
            lock (Ranges) Ranges.Add((taskId, shard, start, gradient.AsSpan(start, count).ToArray()));
        }
    }

    private static GradientsComputed[] Answers(Props props, params ComputeGradients[] tasks)
    {
        using var system = ActorSystem.Create("sink", AkkaConfig.Default);
        try
        {
            var inbox = Inbox.Create(system);
            var worker = system.ActorOf(props(inbox.Receiver));
            Assert.IsType<RegisterWorker>(inbox.Receive(TimeSpan.FromSeconds(10)));
            return tasks.Select(task =>
            {
                inbox.Send(worker, task);
                return (GradientsComputed)inbox.Receive(TimeSpan.FromSeconds(10));
            }).ToArray();
        }
        finally { system.Terminate().Wait(TimeSpan.FromSeconds(10)); }
    }

    private delegate Akka.Actor.Props Props(IActorRef server);

    [Fact]
    public void A_single_shard_goes_to_the_sink_whole_and_final_and_a_block_of_two_does_not()
    {
        var model = TrainingFixtures.DigitsModel();
        var job = new WorkerJob(model.Architecture, TrainingFixtures.Digits.Train, TrainingFixtures.Settings().Penalty, TrainingFixtures.Settings().Optimizer);
        ComputeGradients Task(long id, params int[] shards) => new(id, 0, (float[])model.Parameters.Clone(),
            shards.Select(s => new ShardTask(s, Enumerable.Range(s * 16, 16).ToArray())).ToArray(), 1f / 64, 4);
        var tasks = new[] { Task(1, 1), Task(2, 2, 3) };

        var sink = new RecordingSink();
        var streamed = Answers(server => Worker.Props(0, server, job, sink), tasks);
        var plain = Answers(server => Worker.Props(0, server, job), tasks);

        // Same bits with and without the sink.
        for (int t = 0; t < tasks.Length; t++)
            Assert.Equal(plain[t].Shards[0].Gradient.Select(BitConverter.SingleToInt32Bits), streamed[t].Shards[0].Gradient.Select(BitConverter.SingleToInt32Bits));
        Assert.False(plain[0].Shards[0].SentInParts);

        // Task 1, one shard: every element reported once, as the answer holds it.
        Assert.True(streamed[0].Shards[0].SentInParts);
        var gradient = streamed[0].Shards[0].Gradient;
        var ranges = sink.Ranges.Where(r => r.Task == 1).OrderBy(r => r.Start).ToList();
        Assert.All(ranges, r => Assert.Equal(1, r.Shard));
        long next = 0;
        foreach (var r in ranges)
        {
            Assert.Equal(next, r.Start);
            Assert.Equal(gradient.AsSpan(r.Start, r.Values.Length).ToArray(), r.Values);
            next += r.Values.Length;
        }
        Assert.Equal(gradient.Length, next);

        // Task 2, shards 2 and 3 added into one vector: its last step adds whole vectors, so it travels whole.
        Assert.False(streamed[1].Shards[0].SentInParts);
        Assert.DoesNotContain(sink.Ranges, r => r.Task == 2);
    }
}
