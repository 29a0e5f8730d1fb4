using System.Security.Cryptography;
using DistNet.Core.Checkpoints;
using DistNet.Core.Tests.Data;

namespace DistNet.Core.Tests.Checkpoints;

public class CheckpointStoreTests
{
    private const int HeaderLength = 16, HashLength = 32;

    /// <summary>A checkpoint with every field set, including floats whose bits a careless format would change.</summary>
    internal static Checkpoint Sample(long version = 42)
    {
        float[] parameters =
        [
            1.5f, -0.0f, float.Epsilon, -float.Epsilon, float.MaxValue, float.NegativeInfinity,
            BitConverter.Int32BitsToSingle(0x7FC01234), // NaN with a payload
            BitConverter.Int32BitsToSingle(unchecked((int)0xFF800001)), // signalling-pattern NaN
            0.1f, (float)Math.PI, 1e-39f,
        ];
        return new Checkpoint
        {
            Version = version,
            Epoch = 3,
            BatchInEpoch = 7,
            Parameters = parameters,
            OptimizerName = "adam",
            OptimizerSteps = version + 1000,
            OptimizerState = new Dictionary<string, float[]>
            {
                ["v"] = parameters.Select(p => p * 2).ToArray(),
                ["m"] = parameters.Reverse().ToArray(),
            },
            RngStates = new Dictionary<string, ulong[]>
            {
                ["shuffle"] = [1, ulong.MaxValue, 0x8000_0000_0000_0000, 42],
                ["dropout"] = [5, 6, 7, 8],
            },
            LedgerCounts = [0, 1, 2, int.MaxValue, -1, 1],
            Fingerprint = "data=digits;hidden=64,32;optimizer=adam;seed=1;µ→✓",
            BestValidationLoss = 0.123456789012345678,
            EpochsWithoutImprovement = 2,
            BestParameters = [0.25f, -7f, BitConverter.Int32BitsToSingle(0x7FC00001)],
            History = ["{\"epoch\":1,\"loss\":0.5}", "{\"epoch\":2,\"loss\":0.25,\"note\":\"é\"}", ""],
        };
    }

    private static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();

    internal static void AssertSame(Checkpoint expected, Checkpoint actual)
    {
        Assert.Equal(expected.Version, actual.Version);
        Assert.Equal(expected.Epoch, actual.Epoch);
        Assert.Equal(expected.BatchInEpoch, actual.BatchInEpoch);
        Assert.Equal(Bits(expected.Parameters), Bits(actual.Parameters));
        Assert.Equal(expected.OptimizerName, actual.OptimizerName);
        Assert.Equal(expected.OptimizerSteps, actual.OptimizerSteps);
        Assert.Equal(expected.OptimizerState.Keys.Order(), actual.OptimizerState.Keys.Order());
        foreach (var (name, values) in expected.OptimizerState) Assert.Equal(Bits(values), Bits(actual.OptimizerState[name]));
        Assert.Equal(expected.RngStates.Keys.Order(), actual.RngStates.Keys.Order());
        foreach (var (name, words) in expected.RngStates) Assert.Equal(words, actual.RngStates[name]);
        Assert.Equal(expected.LedgerCounts, actual.LedgerCounts);
        Assert.Equal(expected.Fingerprint, actual.Fingerprint);
        Assert.Equal(BitConverter.DoubleToInt64Bits(expected.BestValidationLoss), BitConverter.DoubleToInt64Bits(actual.BestValidationLoss));
        Assert.Equal(expected.EpochsWithoutImprovement, actual.EpochsWithoutImprovement);
        if (expected.BestParameters is null) Assert.Null(actual.BestParameters);
        else Assert.Equal(Bits(expected.BestParameters), Bits(actual.BestParameters!));
        Assert.Equal(expected.History, actual.History);
    }

    [Fact]
    public void Round_trip_is_exact_in_every_field()
    {
        using var dir = new TempDirectory();
        var original = Sample();
        string path = new CheckpointStore(dir.Path).Write(original);
        Assert.Equal(Path.Combine(dir.Path, "checkpoint-0000000042.dnck"), path);
        AssertSame(original, CheckpointStore.Read(path));
    }

    [Fact]
    public void Round_trip_keeps_empty_and_absent_fields()
    {
        using var dir = new TempDirectory();
        var original = new Checkpoint
        {
            Version = 0,
            Epoch = 1,
            BatchInEpoch = 0,
            Parameters = [],
            OptimizerName = "sgd",
            OptimizerSteps = 0,
            OptimizerState = new Dictionary<string, float[]>(),
            LedgerCounts = [],
            Fingerprint = "",
        };
        var read = CheckpointStore.Read(new CheckpointStore(dir.Path).Write(original));
        AssertSame(original, read);
        Assert.Empty(read.RngStates);
        Assert.Empty(read.History);
        Assert.Null(read.BestParameters);
        Assert.Equal(double.PositiveInfinity, read.BestValidationLoss);
    }

    [Fact]
    public void The_same_state_gives_the_same_bytes_whatever_the_dictionary_order()
    {
        using var dir = new TempDirectory();
        var a = Sample();
        var b = a with
        {
            OptimizerState = a.OptimizerState.Reverse().ToDictionary(),
            RngStates = a.RngStates.Reverse().ToDictionary(),
        };
        byte[] first = File.ReadAllBytes(new CheckpointStore(dir.File("a")).Write(a));
        byte[] second = File.ReadAllBytes(new CheckpointStore(dir.File("b")).Write(b));
        Assert.Equal(first, second);
    }

    [Fact]
    public void The_file_layout_is_magic_version_length_payload_hash()
    {
        using var dir = new TempDirectory();
        byte[] file = File.ReadAllBytes(new CheckpointStore(dir.Path).Write(Sample()));
        Assert.Equal("DNCK"u8.ToArray(), file[..4]);
        Assert.Equal(1, BitConverter.ToInt32(file, 4));
        long payloadLength = BitConverter.ToInt64(file, 8);
        Assert.Equal(file.Length, HeaderLength + payloadLength + HashLength);
        Assert.Equal(SHA256.HashData(file.AsSpan(HeaderLength, (int)payloadLength)), file[^HashLength..]);
        Assert.Equal(42L, BitConverter.ToInt64(file, HeaderLength)); // the payload starts with the version
    }

    /// <summary>Writes versions 10 and 20, damages 20 with <paramref name="damage"/>, and checks both the direct read and the fallback.</summary>
    private static void AssertDetectedAndSkipped(Func<byte[], byte[]> damage, string expectedReason)
    {
        using var dir = new TempDirectory();
        var store = new CheckpointStore(dir.Path);
        var good = Sample(10);
        store.Write(good);
        string newest = store.Write(Sample(20));
        File.WriteAllBytes(newest, damage(File.ReadAllBytes(newest)));

        var e = Assert.Throws<CheckpointException>(() => CheckpointStore.Read(newest));
        Assert.Contains(expectedReason, e.Message);
        Assert.StartsWith(newest + ": ", e.Message);
        Assert.DoesNotContain('\n', e.Message);

        var result = store.LoadLatestGood();
        Assert.NotNull(result.Checkpoint);
        AssertSame(good, result.Checkpoint!);
        Assert.Equal(Path.Combine(dir.Path, CheckpointStore.FileName(10)), result.Path);
        Assert.Null(result.Problem);
        var skip = Assert.Single(result.Skipped);
        Assert.Equal(newest, skip.Path);
        Assert.Contains(expectedReason, skip.Reason);
    }

    public static TheoryData<string, int> TruncationPoints => new()
    {
        { "empty", 0 },
        { "inside the magic", 2 },
        { "inside the header", 10 },
        { "header only", HeaderLength },
        { "a few payload bytes", HeaderLength + 5 },
        { "mid-payload", -2 },           // negative: resolved against the real file below
        { "just before the hash", -1 },
        { "last hash byte missing", -3 },
    };

    [Theory]
    [MemberData(nameof(TruncationPoints))]
    public void A_truncated_file_is_detected_and_the_previous_one_used(string where, int length)
    {
        _ = where;
        AssertDetectedAndSkipped(bytes =>
        {
            int payloadEnd = bytes.Length - HashLength;
            int cut = length switch
            {
                -1 => payloadEnd,
                -2 => (HeaderLength + payloadEnd) / 2,
                -3 => bytes.Length - 1,
                _ => length,
            };
            return bytes[..cut];
        }, "truncated");
    }

    [Theory]
    [InlineData(0)]     // first payload byte (the version)
    [InlineData(50)]    // inside the parameters
    [InlineData(-1)]    // last payload byte
    public void A_flipped_payload_byte_is_detected(int offset)
    {
        AssertDetectedAndSkipped(bytes =>
        {
            int at = offset >= 0 ? HeaderLength + offset : bytes.Length - HashLength + offset;
            bytes[at] ^= 0x10;
            return bytes;
        }, "checksum mismatch");
    }

    [Fact]
    public void A_flipped_hash_byte_is_detected() =>
        AssertDetectedAndSkipped(bytes => { bytes[^5] ^= 1; return bytes; }, "checksum mismatch");

    [Fact]
    public void A_wrong_magic_is_detected() =>
        AssertDetectedAndSkipped(bytes => { bytes[0] = (byte)'{'; return bytes; }, "bad magic");

    [Fact]
    public void An_unknown_format_version_is_detected() =>
        AssertDetectedAndSkipped(bytes => { bytes[4] = 2; return bytes; }, "unsupported format version 2");

    [Fact]
    public void Bytes_after_the_hash_are_detected() =>
        AssertDetectedAndSkipped(bytes => [.. bytes, 0], "unexpected bytes after the checksum");

    [Fact]
    public void A_huge_length_in_the_header_is_reported_not_allocated() =>
        AssertDetectedAndSkipped(bytes => { BitConverter.TryWriteBytes(bytes.AsSpan(8), long.MaxValue / 2); return bytes; }, "bad payload length");

    [Fact]
    public void A_huge_array_count_behind_a_valid_checksum_is_refused_before_allocating()
    {
        // A payload whose parameter count claims 2^31−1 floats, re-hashed so only the bounds check can catch it.
        AssertDetectedAndSkipped(bytes =>
        {
            BitConverter.TryWriteBytes(bytes.AsSpan(HeaderLength + 16), int.MaxValue);
            int payloadLength = bytes.Length - HeaderLength - HashLength;
            SHA256.HashData(bytes.AsSpan(HeaderLength, payloadLength)).CopyTo(bytes, HeaderLength + payloadLength);
            return bytes;
        }, "malformed payload");
    }

    [Fact]
    public void A_file_renamed_to_another_version_is_skipped()
    {
        using var dir = new TempDirectory();
        var store = new CheckpointStore(dir.Path);
        store.Write(Sample(5));
        File.Copy(Path.Combine(dir.Path, CheckpointStore.FileName(5)), Path.Combine(dir.Path, CheckpointStore.FileName(9)));
        var result = store.LoadLatestGood();
        Assert.Equal(5, result.Checkpoint!.Version);
        Assert.Contains("name says 9", Assert.Single(result.Skipped).Reason);
    }

    [Fact]
    public void A_missing_directory_is_reported()
    {
        using var dir = new TempDirectory();
        string missing = dir.File("nothing-here");
        var result = new CheckpointStore(missing).LoadLatestGood();
        Assert.Null(result.Checkpoint);
        Assert.Null(result.Path);
        Assert.Empty(result.Skipped);
        Assert.Contains("does not exist", result.Problem);
        Assert.Contains(missing, result.Problem);
    }

    [Fact]
    public void An_empty_directory_is_reported_and_other_files_are_ignored()
    {
        using var dir = new TempDirectory();
        dir.Write("notes.txt", "hello");
        dir.Write("checkpoint-12.dnck", "too few digits: not one of ours");
        var result = new CheckpointStore(dir.Path).LoadLatestGood();
        Assert.Null(result.Checkpoint);
        Assert.Empty(result.Skipped);
        Assert.Contains("no checkpoints", result.Problem);
    }

    [Fact]
    public void When_every_file_is_damaged_none_is_returned_and_all_are_listed()
    {
        using var dir = new TempDirectory();
        var store = new CheckpointStore(dir.Path);
        foreach (long version in new long[] { 1, 2 })
        {
            string path = store.Write(Sample(version));
            File.WriteAllBytes(path, File.ReadAllBytes(path)[..100]);
        }
        var result = store.LoadLatestGood();
        Assert.Null(result.Checkpoint);
        Assert.Equal(2, result.Skipped.Count);
        Assert.Equal(Path.Combine(dir.Path, CheckpointStore.FileName(2)), result.Skipped[0].Path); // newest tried first
        Assert.Contains("none of the 2 checkpoints", result.Problem);
    }

    [Fact]
    public void Reading_a_missing_file_names_it()
    {
        using var dir = new TempDirectory();
        string path = dir.File(CheckpointStore.FileName(1));
        var e = Assert.Throws<CheckpointException>(() => CheckpointStore.Read(path));
        Assert.Equal($"{path}: file not found", e.Message);
    }

    [Fact]
    public void Keep_prunes_the_oldest_files()
    {
        using var dir = new TempDirectory();
        var store = new CheckpointStore(dir.Path, keep: 2);
        for (long version = 1; version <= 5; version++) store.Write(Sample(version * 100));
        Assert.Equal([500L, 400L], store.ListFiles().Select(f => f.Version));
        Assert.Equal(["checkpoint-0000000400.dnck", "checkpoint-0000000500.dnck"],
            Directory.GetFiles(dir.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(500, store.LoadLatestGood().Checkpoint!.Version);
    }

    [Fact]
    public void Writing_after_a_resume_from_an_older_checkpoint_drops_the_abandoned_newer_files()
    {
        using var dir = new TempDirectory();
        var store = new CheckpointStore(dir.Path, keep: 3);
        foreach (long version in new long[] { 10, 20, 30 }) store.Write(Sample(version));
        // Say 20 and 30 were damaged and the run resumed from 10: its next checkpoint is 15.
        store.Write(Sample(15));
        Assert.Equal([15L, 10L], store.ListFiles().Select(f => f.Version));
        Assert.Equal(15, store.LoadLatestGood().Checkpoint!.Version);
    }

    [Fact]
    public void Keep_must_be_positive() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new CheckpointStore("somewhere", keep: 0));

    [Fact]
    public void A_checkpoint_that_could_not_be_read_back_is_not_written()
    {
        using var dir = new TempDirectory();
        var store = new CheckpointStore(dir.Path);
        Assert.Throws<ArgumentException>(() => store.Write(Sample() with { Epoch = 0 }));
        Assert.Throws<ArgumentException>(() => store.Write(Sample() with { Parameters = null! }));
        Assert.Empty(Directory.GetFiles(dir.Path));
    }
}
