using System.Runtime.Serialization;
using Akka.Actor;
using DistNet.Cluster;
using DistNet.Cluster.Serialization;
using DistNet.Training.Server;
using DistNet.Training.Workers;

namespace DistNet.Cluster.Tests;

public sealed class VectorMessageSerializerTests : IDisposable
{
    private readonly ActorSystem _system = ActorSystem.Create("serializer-test",
        Akka.Configuration.ConfigurationFactory.ParseString("akka.actor.provider = local").WithFallback(NodeConfig.Reference));

    public void Dispose() => _system.Terminate().Wait();

    private object RoundTrip(object message)
    {
        var serializer = _system.Serialization.FindSerializerFor(message);
        Assert.IsType<VectorMessageSerializer>(serializer);
        var bytes = serializer.ToBinary(message);
        return _system.Serialization.Deserialize(bytes, serializer.Identifier, ((VectorMessageSerializer)serializer).Manifest(message));
    }

    private static float[] Vector(int n) => Enumerable.Range(0, n).Select(i => MathF.Sin(i) * 1e3f).Append(float.Epsilon).Append(-0f).ToArray();

    [Fact]
    public void Every_vector_message_round_trips_exactly()
    {
        var compute = new ComputeGradients(7, 42, Vector(1000), [new ShardTask(0, [5, 1, 9]), new ShardTask(3, [])], 1f / 128, 4);
        var back = (ComputeGradients)RoundTrip(compute);
        Assert.Equal((compute.TaskId, compute.Version, compute.Scale, compute.ShardCount), (back.TaskId, back.Version, back.Scale, back.ShardCount));
        Assert.Equal(compute.Parameters, back.Parameters);
        Assert.Equal(compute.Shards.Select(s => (s.Shard, string.Join(",", s.Samples))), back.Shards.Select(s => (s.Shard, string.Join(",", s.Samples))));

        var timings = new TaskTimings(WaitNs: 11, MailboxNs: -1, FaultNs: 13, ComputeNs: 14, BusyNs: 15, TaskEncodeNs: 16, TaskDecodeNs: 17, TaskBytes: 18)
            { RepliedAt = 12345 };
        var computed = new GradientsComputed(7, 42, 3, [new ShardGradient(2, 1, Vector(50), 12.5, 30, 32), new ShardGradient(5, 0, Vector(50), 0.25, 1, 1)])
            { Timings = timings };
        var back2 = (GradientsComputed)RoundTrip(computed);
        Assert.Equal(3, back2.WorkerId);
        // Durations travel; the worker's clock reading does not (it means nothing in another process).
        Assert.Equal(timings with { RepliedAt = 0 }, back2.Timings);
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(computed.Shards[i].Gradient, back2.Shards[i].Gradient);
            Assert.Equal((computed.Shards[i].Shard, computed.Shards[i].Level, computed.Shards[i].LossSum, computed.Shards[i].Correct, computed.Shards[i].Samples),
                (back2.Shards[i].Shard, back2.Shards[i].Level, back2.Shards[i].LossSum, back2.Shards[i].Correct, back2.Shards[i].Samples));
        }

        var local = (RunLocalSteps)RoundTrip(new RunLocalSteps(1, 2, Vector(10), [[1, 2], [3]]));
        Assert.Equal([3], local.Batches[1]);
        var done = (LocalStepsDone)RoundTrip(new LocalStepsDone(1, 2, 4, Vector(10), 3.5, 6, 7) { Timings = timings });
        Assert.Equal((4, 3.5, 6, 7), (done.WorkerId, done.LossSum, done.Correct, done.Samples));
        Assert.Equal(Vector(10), done.Parameters);
        Assert.Equal(timings with { RepliedAt = 0 }, done.Timings);
    }

    /// <summary>
    /// A task says whether the answer may carry first-layer factors; such an answer leaves the first
    /// layer's region of each vector behind (the receiver rebuilds it) and carries the factors instead.
    /// </summary>
    [Fact]
    public void A_factored_answer_travels_without_the_first_layer_region_and_with_its_factors()
    {
        var task = new ComputeGradients(7, 42, Vector(100), [new ShardTask(0, [5, 1])], 1f / 128, 2);
        Assert.False(((ComputeGradients)RoundTrip(task)).FactorFirstLayer);
        Assert.True(((ComputeGradients)RoundTrip(task with { FactorFirstLayer = true })).FactorFirstLayer);

        var gradient = Vector(100); // 102 numbers, the first 60 of them the first layer's weights
        var factors = new FactoredFirstLayer(60, [new ShardFactors([5, 1], Vector(10)), new ShardFactors([9], Vector(4))]);
        var whole = new GradientsComputed(7, 42, 3, [new ShardGradient(0, 1, gradient, 2.5, 1, 3)]);
        var factored = whole with { Shards = [whole.Shards[0] with { FirstLayer = factors }] };

        var serializer = (VectorMessageSerializer)_system.Serialization.FindSerializerFor(factored);
        Assert.Equal("gf", serializer.Manifest(factored));
        // 60 floats fewer; the factors' 2 + 1 samples and 12 + 6 numbers more, with their counts and the region's length.
        Assert.Equal(serializer.ToBinary(whole).Length - 60 * 4 + 4 + 4 + (4 + 8 + 4 + 48) + (4 + 4 + 4 + 24), serializer.ToBinary(factored).Length);

        var back = ((GradientsComputed)RoundTrip(factored)).Shards[0];
        Assert.Equal(gradient.Length, back.Gradient.Length);
        Assert.Equal(gradient[60..].Select(BitConverter.SingleToInt32Bits), back.Gradient[60..].Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(60, back.FirstLayer!.Length);
        Assert.Equal([[5, 1], [9]], back.FirstLayer.Shards.Select(f => f.Samples));
        Assert.Equal(Vector(10).Select(BitConverter.SingleToInt32Bits), back.FirstLayer.Shards[0].Delta.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal((0, 1, 2.5, 1, 3), (back.Shard, back.Level, back.LossSum, back.Correct, back.Samples));
    }

    [Fact]
    public void Decoding_tells_the_message_its_size_and_both_sides_codec_times()
    {
        var message = new ComputeGradients(7, 42, Vector(100_000), [new ShardTask(0, [5, 1, 9])], 0.5f, 1) { SentAt = 987654321 };
        var serializer = (VectorMessageSerializer)_system.Serialization.FindSerializerFor(message);
        var bytes = serializer.ToBinary(message);
        long encodeNs = BitConverter.ToInt64(bytes, 1); // written by the sender, after the version byte
        Assert.True(encodeNs > 0, $"encoding took {encodeNs} ns");

        var back = (ComputeGradients)serializer.FromBinary(bytes, serializer.Manifest(message));
        Assert.Null(message.Wire);
        Assert.NotNull(back.Wire);
        Assert.Equal(bytes.Length, back.Wire.Bytes);
        Assert.Equal(encodeNs, back.Wire.EncodeNs);
        Assert.True(back.Wire.DecodeNs > 0);
        Assert.Equal(0, back.SentAt); // a timestamp of the sender's process is not carried
    }

    [Fact]
    public void A_vector_costs_four_bytes_per_float_plus_a_small_header()
    {
        var message = new GradientsComputed(1, 1, 0, [new ShardGradient(0, 0, new float[235_146], 0, 0, 128)]);
        var bytes = _system.Serialization.FindSerializerFor(message).ToBinary(message);
        Assert.InRange(bytes.Length, 235_146 * 4, 235_146 * 4 + 128); // the header includes the worker's timings
    }

    [Fact]
    public void Other_messages_stay_with_Hyperion()
    {
        Assert.IsNotType<VectorMessageSerializer>(_system.Serialization.FindSerializerFor(new RegisterWorker(1)));
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("trailing")]
    [InlineData("count")]
    [InlineData("version")]
    [InlineData("version 2")]
    [InlineData("manifest")]
    public void Malformed_payloads_are_refused_with_a_clear_exception(string damage)
    {
        var message = new ComputeGradients(7, 42, Vector(100), [new ShardTask(0, [5, 1, 9])], 0.5f, 1);
        var serializer = (VectorMessageSerializer)_system.Serialization.FindSerializerFor(message);
        var bytes = serializer.ToBinary(message);
        string manifest = serializer.Manifest(message);
        switch (damage)
        {
            case "truncated": bytes = bytes[..^7]; break;
            case "trailing": bytes = [.. bytes, 0, 0]; break;
            case "count": BitConverter.GetBytes(int.MaxValue).CopyTo(bytes, 1 + 8 + 8 + 8 + 4 + 4); break; // the parameter count
            case "version": bytes[0] = 99; break;
            case "version 2": bytes[0] = 2; break; // the format before shard blocks: refused, not misread
            case "manifest": manifest = "zz"; break;
        }
        var e = Assert.Throws<SerializationException>(() => serializer.FromBinary(bytes, manifest));
        Assert.Contains(damage == "manifest" ? "unknown" : "malformed", e.Message);
        if (damage == "version 2") Assert.Contains("format version 2, expected 3", e.Message);
    }
}
