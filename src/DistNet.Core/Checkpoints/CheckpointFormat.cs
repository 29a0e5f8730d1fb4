using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace DistNet.Core.Checkpoints;

/// <summary>
/// The bytes of a checkpoint file (docs/checkpoints.md): "DNCK", format version (int32),
/// payload length (int64), payload, SHA-256 of the payload. All numbers little-endian.
/// </summary>
internal static class CheckpointFormat
{
    public static ReadOnlySpan<byte> Magic => "DNCK"u8;
    public const int Version = 1;
    public const int HeaderLength = 4 + 4 + 8;
    public const int HashLength = 32; // SHA-256

    // Strict: invalid UTF-8 in a file whose checksum matched means a bug, not noise; say so.
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static void Write(Stream destination, Checkpoint checkpoint)
    {
        Validate(checkpoint);
        // The header needs the payload's length up front: computed exactly, so the payload can
        // stream straight to the file through the hash, without a second copy in memory.
        long payloadLength = PayloadLength(checkpoint);
        if (payloadLength > int.MaxValue)
            throw new ArgumentException($"checkpoint payload of {payloadLength} bytes exceeds the 2 GiB the format reads", nameof(checkpoint));
        Span<byte> header = stackalloc byte[HeaderLength];
        Magic.CopyTo(header);
        BinaryPrimitives.WriteInt32LittleEndian(header[4..], Version);
        BinaryPrimitives.WriteInt64LittleEndian(header[8..], payloadLength);
        destination.Write(header);

        using var hashing = new HashingStream(destination);
        using (var writer = new BinaryWriter(hashing, Utf8, leaveOpen: true))
            WritePayload(writer, checkpoint);
        if (hashing.Written != payloadLength)
            throw new InvalidOperationException($"checkpoint payload is {hashing.Written} bytes, {payloadLength} were announced (a bug in {nameof(PayloadLength)})");
        Span<byte> hash = stackalloc byte[HashLength];
        hashing.GetHash(hash);
        destination.Write(hash);
    }

    public static Checkpoint Read(string path)
    {
        byte[] file;
        try { file = File.ReadAllBytes(path); }
        catch (FileNotFoundException) { throw new CheckpointException(path, "file not found"); }
        catch (DirectoryNotFoundException) { throw new CheckpointException(path, "file not found"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointException(path, $"cannot read: {e.Message}");
        }
        return Parse(path, file);
    }

    public static Checkpoint Parse(string path, ReadOnlySpan<byte> file)
    {
        if (file.Length == 0) throw new CheckpointException(path, "truncated: the file is empty");
        var magicPart = file[..Math.Min(file.Length, Magic.Length)];
        if (!magicPart.SequenceEqual(Magic[..magicPart.Length]))
            throw new CheckpointException(path, $"bad magic (not a DistNet checkpoint): starts with {Convert.ToHexString(magicPart)}, expected {Convert.ToHexString(Magic)}");
        if (file.Length < HeaderLength)
            throw new CheckpointException(path, $"truncated: {file.Length} bytes, shorter than the {HeaderLength}-byte header");

        int version = BinaryPrimitives.ReadInt32LittleEndian(file[4..]);
        if (version != Version)
            throw new CheckpointException(path, $"unsupported format version {version} (this build reads version {Version})");

        long payloadLength = BinaryPrimitives.ReadInt64LittleEndian(file[8..]);
        if (payloadLength < 0 || payloadLength > int.MaxValue)
            throw new CheckpointException(path, $"bad payload length {payloadLength} in the header");
        long expected = HeaderLength + payloadLength + HashLength;
        if (file.Length < expected)
            throw new CheckpointException(path, $"truncated: {file.Length} bytes, the header promises {expected}");
        if (file.Length > expected)
            throw new CheckpointException(path, $"{file.Length - expected} unexpected bytes after the checksum (the header promises {expected} bytes)");

        var payload = file.Slice(HeaderLength, (int)payloadLength);
        Span<byte> hash = stackalloc byte[HashLength];
        SHA256.HashData(payload, hash);
        if (!hash.SequenceEqual(file.Slice(HeaderLength + (int)payloadLength, HashLength)))
            throw new CheckpointException(path, "checksum mismatch: the file is damaged");

        var reader = new PayloadReader(path, payload);
        var checkpoint = ReadPayload(ref reader);
        if (reader.Remaining != 0)
            throw new CheckpointException(path, $"malformed payload: {reader.Remaining} bytes left over after the last field");
        return checkpoint;
    }

    // ---- payload, in file order (docs/checkpoints.md lists the same order) ----

    private static void WritePayload(BinaryWriter w, Checkpoint c)
    {
        w.Write(c.Version);
        w.Write(c.Epoch);
        w.Write(c.BatchInEpoch);
        WriteArray(w, c.Parameters);
        WriteString(w, c.OptimizerName);
        w.Write(c.OptimizerSteps);
        // Names in ordinal order, so the same state always gives the same bytes.
        var state = c.OptimizerState.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        w.Write(state.Count);
        foreach (var (name, values) in state) { WriteString(w, name); WriteArray(w, values); }
        var rngs = c.RngStates.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        w.Write(rngs.Count);
        foreach (var (name, words) in rngs) { WriteString(w, name); WriteArray(w, words); }
        WriteArray(w, c.LedgerCounts);
        WriteString(w, c.Fingerprint);
        w.Write(c.BestValidationLoss);
        w.Write(c.EpochsWithoutImprovement);
        w.Write(c.BestParameters is null ? (byte)0 : (byte)1);
        if (c.BestParameters is not null) WriteArray(w, c.BestParameters);
        w.Write(c.History.Count);
        foreach (var line in c.History) WriteString(w, line);
        w.Write(c.EpochLossSum);
        w.Write(c.EpochCorrect);
        w.Write(c.EpochSamples);
    }

    private static Checkpoint ReadPayload(ref PayloadReader r)
    {
        long version = r.Int64();
        int epoch = r.Int32();
        int batchInEpoch = r.Int32();
        float[] parameters = r.Floats("parameters");
        string optimizerName = r.String("optimiser name");
        long optimizerSteps = r.Int64();
        var state = new Dictionary<string, float[]>(StringComparer.Ordinal);
        int stateCount = r.Count("optimiser state entries", minimumBytesEach: 8);
        for (int i = 0; i < stateCount; i++)
        {
            string name = r.String("optimiser state name");
            if (!state.TryAdd(name, r.Floats($"optimiser state '{name}'")))
                throw r.Malformed($"optimiser state '{name}' appears twice");
        }
        var rngs = new Dictionary<string, ulong[]>(StringComparer.Ordinal);
        int rngCount = r.Count("RNG states", minimumBytesEach: 8);
        for (int i = 0; i < rngCount; i++)
        {
            string name = r.String("RNG name");
            if (!rngs.TryAdd(name, r.UInt64s($"RNG state '{name}'")))
                throw r.Malformed($"RNG state '{name}' appears twice");
        }
        int[] ledger = r.Int32s("sample ledger");
        string fingerprint = r.String("fingerprint");
        double bestLoss = r.Double();
        int epochsWithoutImprovement = r.Int32();
        byte hasBest = r.Byte();
        if (hasBest > 1) throw r.Malformed($"best-parameters flag is {hasBest}, not 0 or 1");
        float[]? best = hasBest == 1 ? r.Floats("best parameters") : null;
        int historyCount = r.Count("history lines", minimumBytesEach: 4);
        var history = new string[historyCount];
        for (int i = 0; i < historyCount; i++) history[i] = r.String("history line");
        double epochLoss = r.Double();
        long epochCorrect = r.Int64(), epochSamples = r.Int64();

        var checkpoint = new Checkpoint
        {
            Version = version,
            Epoch = epoch,
            BatchInEpoch = batchInEpoch,
            Parameters = parameters,
            OptimizerName = optimizerName,
            OptimizerSteps = optimizerSteps,
            OptimizerState = state,
            RngStates = rngs,
            LedgerCounts = ledger,
            Fingerprint = fingerprint,
            BestValidationLoss = bestLoss,
            EpochsWithoutImprovement = epochsWithoutImprovement,
            BestParameters = best,
            History = history,
            EpochLossSum = epochLoss,
            EpochCorrect = epochCorrect,
            EpochSamples = epochSamples,
        };
        string? problem = Problem(checkpoint);
        if (problem is not null) throw r.Malformed(problem);
        return checkpoint;
    }

    // ---- checks shared by writing and reading: never write what reading would refuse ----

    public static void Validate(Checkpoint c)
    {
        ArgumentNullException.ThrowIfNull(c);
        if (c.Parameters is null) throw new ArgumentException("checkpoint has no parameters", nameof(c));
        if (c.OptimizerName is null) throw new ArgumentException("checkpoint has no optimiser name", nameof(c));
        if (c.OptimizerState is null || c.OptimizerState.Any(kv => kv.Key is null || kv.Value is null))
            throw new ArgumentException("checkpoint optimiser state is missing or has a null entry", nameof(c));
        if (c.RngStates is null || c.RngStates.Any(kv => kv.Key is null || kv.Value is null))
            throw new ArgumentException("checkpoint RNG states are missing or have a null entry", nameof(c));
        if (c.LedgerCounts is null) throw new ArgumentException("checkpoint has no sample ledger", nameof(c));
        if (c.Fingerprint is null) throw new ArgumentException("checkpoint has no fingerprint", nameof(c));
        if (c.History is null || c.History.Any(line => line is null))
            throw new ArgumentException("checkpoint history is missing or has a null line", nameof(c));
        string? problem = Problem(c);
        if (problem is not null) throw new ArgumentException($"checkpoint not written: {problem}", nameof(c));
    }

    private static string? Problem(Checkpoint c) =>
        c.Version < 0 ? $"version (global step) {c.Version} is negative"
        : c.Epoch < 1 ? $"epoch {c.Epoch} is not at least 1"
        : c.BatchInEpoch < 0 ? $"batch index {c.BatchInEpoch} is negative"
        : c.OptimizerSteps < 0 ? $"optimiser step count {c.OptimizerSteps} is negative"
        : c.EpochsWithoutImprovement < 0 ? $"epochs without improvement {c.EpochsWithoutImprovement} is negative"
        : null;

    /// <summary>The exact payload size in bytes; must follow <see cref="WritePayload"/> field for field.</summary>
    private static long PayloadLength(Checkpoint c)
    {
        static long Str(string s) => 4 + Utf8.GetByteCount(s);
        return 8 + 4 + 4
            + 4 + 4L * c.Parameters.Length
            + Str(c.OptimizerName)
            + 8
            + 4 + c.OptimizerState.Sum(kv => Str(kv.Key) + 4 + 4L * kv.Value.Length)
            + 4 + c.RngStates.Sum(kv => Str(kv.Key) + 4 + 8L * kv.Value.Length)
            + 4 + 4L * c.LedgerCounts.Length
            + Str(c.Fingerprint)
            + 8
            + 4
            + 1 + (c.BestParameters is null ? 0 : 4 + 4L * c.BestParameters.Length)
            + 4 + c.History.Sum(Str)
            + 8 + 8 + 8;
    }

    private static void WriteString(BinaryWriter w, string s)
    {
        // int32 byte count + UTF-8, rather than BinaryWriter's 7-bit prefix: one length rule for the whole format.
        byte[] bytes = Utf8.GetBytes(s);
        w.Write(bytes.Length);
        w.Write(bytes);
    }

    // Arrays: int32 element count, then the elements' raw little-endian bytes in one write.
    private static void WriteArray<T>(BinaryWriter w, T[] values) where T : unmanaged
    {
        w.Write(values.Length);
        if (BitConverter.IsLittleEndian) { w.Write(MemoryMarshal.AsBytes(values.AsSpan())); return; }
        foreach (var value in values)
        {
            switch (value)
            {
                case float f: w.Write(f); break;
                case int i: w.Write(i); break;
                case ulong u: w.Write(u); break;
                default: throw new NotSupportedException(typeof(T).Name);
            }
        }
    }

    /// <summary>Passes writes on to the file and through SHA-256, counting bytes.</summary>
    private sealed class HashingStream(Stream inner) : Stream
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public long Written { get; private set; }

        public void GetHash(Span<byte> destination) => _hash.GetHashAndReset(destination);

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _hash.AppendData(buffer);
            inner.Write(buffer);
            Written += buffer.Length;
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
        public override void WriteByte(byte value) => Write([value]);
        public override void Flush() => inner.Flush();
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => Written; set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) _hash.Dispose();
            base.Dispose(disposing);
        }
    }

    /// <summary>Reads the payload; every length is checked against the bytes left before anything is allocated.</summary>
    private ref struct PayloadReader(string path, ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _position;

        public readonly int Remaining => _data.Length - _position;

        public readonly CheckpointException Malformed(string problem) => new(path, $"malformed payload at byte {_position}: {problem}");

        private ReadOnlySpan<byte> Take(int count, string what)
        {
            if (count > Remaining) throw Malformed($"{what} needs {count} bytes, {Remaining} left");
            var slice = _data.Slice(_position, count);
            _position += count;
            return slice;
        }

        public byte Byte() => Take(1, "a byte")[0];
        public int Int32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4, "an int32"));
        public long Int64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8, "an int64"));
        public double Double() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8, "a double"));

        /// <summary>A count of items each at least <paramref name="minimumBytesEach"/> long, checked against what is left.</summary>
        public int Count(string what, int minimumBytesEach)
        {
            int count = Int32();
            if (count < 0) throw Malformed($"negative count {count} of {what}");
            if ((long)count * minimumBytesEach > Remaining)
                throw Malformed($"{count} {what} cannot fit in the {Remaining} bytes left");
            return count;
        }

        public string String(string what)
        {
            int length = Count($"bytes in the {what}", 1);
            var bytes = Take(length, what);
            try { return Utf8.GetString(bytes); }
            catch (DecoderFallbackException) { throw Malformed($"{what} is not valid UTF-8"); }
        }

        public float[] Floats(string what) => Array<float>(what);
        public int[] Int32s(string what) => Array<int>(what);
        public ulong[] UInt64s(string what) => Array<ulong>(what);

        private T[] Array<T>(string what) where T : unmanaged
        {
            int size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
            int count = Count($"elements of {what}", size);
            var values = new T[count];
            Take(count * size, what).CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
            if (!BitConverter.IsLittleEndian)
            {
                var span = values.AsSpan();
                if (size == 4) BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<T, uint>(span), MemoryMarshal.Cast<T, uint>(span));
                else BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<T, ulong>(span), MemoryMarshal.Cast<T, ulong>(span));
            }
            return values;
        }
    }
}
