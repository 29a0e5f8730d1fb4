using System.Runtime.InteropServices;
using MathNet.Numerics;
using MathNet.Numerics.Providers.LinearAlgebra;

namespace DistNet.Core.Linear;

/// <summary>
/// The one place every matrix product of DistNet goes through (column-major, single precision).
/// MathNet's managed provider multiplies at a few GFLOP/s; OpenBLAS's sgemm, reached through
/// P/Invoke, at around a hundred. OpenBLAS is used when the system has it, the managed provider
/// otherwise, so that training works on a bare machine too, only slower.
/// </summary>
public static unsafe class Blas
{
    private const int ColMajor = 102, NoTrans = 111, Trans = 112;

    private static readonly delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> Sgemm;
    private static readonly delegate* unmanaged<int, void> SetThreads;

    static Blas()
    {
        if (Environment.GetEnvironmentVariable("DISTNET_BLAS") is { } forced && forced.Equals("managed", StringComparison.OrdinalIgnoreCase))
        {
            Backend = "managed (MathNet provider; DISTNET_BLAS=managed)";
            return;
        }
        foreach (var name in new[] { "libopenblas.so.0", "libopenblas.so", "libopenblas.dylib", "libopenblas.dll" })
        {
            if (!NativeLibrary.TryLoad(name, typeof(Blas).Assembly, null, out var handle)) continue;
            if (!NativeLibrary.TryGetExport(handle, "cblas_sgemm", out var sgemm)) continue;
            Sgemm = (delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)sgemm;
            if (NativeLibrary.TryGetExport(handle, "openblas_set_num_threads", out var threads))
                SetThreads = (delegate* unmanaged<int, void>)threads;
            Backend = $"OpenBLAS ({name})";
            IsNative = true;
            // One BLAS thread by default: two are slower than one on training-sized products
            // here, and parallelism comes from workers, not from inside one product.
            SetThreadCount(1);
            return;
        }
        Backend = "managed (MathNet provider; install libopenblas0-pthread for ~30x faster training)";
    }

    /// <summary>Which implementation multiplies matrices, in words for a log line.</summary>
    public static string Backend { get; }

    public static bool IsNative { get; }

    public static int ThreadCount { get; private set; } = 1;

    public static void SetThreadCount(int threads)
    {
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), "at least one thread");
        ThreadCount = threads;
        if (SetThreads != null) SetThreads(threads);
        else Control.MaxDegreeOfParallelism = threads;
    }

    /// <summary>
    /// C (m×n) = alpha · op(A) · op(B) + beta · C, all column-major with leading dimensions
    /// lda, ldb, ldc. op(A) is m×k, op(B) is k×n.
    /// </summary>
    public static void Gemm(bool transposeA, bool transposeB, int m, int n, int k,
        float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc)
    {
        if (m == 0 || n == 0) return;
        int aCols = transposeA ? m : k, bCols = transposeB ? k : n;
        CheckExtent(a, lda, transposeA ? k : m, aCols, nameof(a));
        CheckExtent(b, ldb, transposeB ? n : k, bCols, nameof(b));
        CheckExtent(c, ldc, m, n, nameof(c));
        if (k == 0) { Scale(c, ldc, m, n, beta); return; }

        if (Sgemm != null)
        {
            fixed (float* pa = a, pb = b, pc = c)
                Sgemm(ColMajor, transposeA ? Trans : NoTrans, transposeB ? Trans : NoTrans,
                    m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
            return;
        }
        ManagedGemm(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    private static void ManagedGemm(bool transposeA, bool transposeB, int m, int n, int k,
        float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc)
    {
        // MathNet's provider wants whole, tightly packed arrays: pack the operands (O(size)
        // copies against an O(m·n·k) product; this is the slow path anyway).
        int aRows = transposeA ? k : m, aCols = transposeA ? m : k;
        int bRows = transposeB ? n : k, bCols = transposeB ? k : n;
        float[] pa = Pack(a, lda, aRows, aCols), pb = Pack(b, ldb, bRows, bCols), pc = Pack(c, ldc, m, n);
        LinearAlgebraControl.Provider.MatrixMultiplyWithUpdate(
            transposeA ? Transpose.Transpose : Transpose.DontTranspose,
            transposeB ? Transpose.Transpose : Transpose.DontTranspose,
            alpha, pa, aRows, aCols, pb, bRows, bCols, beta, pc);
        for (int j = 0; j < n; j++) pc.AsSpan(j * m, m).CopyTo(c.Slice(j * ldc, m));
    }

    private static float[] Pack(ReadOnlySpan<float> source, int ld, int rows, int cols)
    {
        var packed = new float[rows * cols];
        for (int j = 0; j < cols; j++) source.Slice(j * ld, rows).CopyTo(packed.AsSpan(j * rows, rows));
        return packed;
    }

    private static void Scale(Span<float> c, int ldc, int m, int n, float beta)
    {
        for (int j = 0; j < n; j++)
        {
            var column = c.Slice(j * ldc, m);
            if (beta == 0) column.Clear();
            else for (int i = 0; i < m; i++) column[i] *= beta;
        }
    }

    private static void CheckExtent(ReadOnlySpan<float> x, int ld, int rows, int cols, string name)
    {
        if (ld < Math.Max(1, rows)) throw new ArgumentException($"leading dimension {ld} < {rows} rows", name);
        if (cols > 0 && x.Length < (long)ld * (cols - 1) + rows)
            throw new ArgumentException($"{name} holds {x.Length} floats, too few for {rows}×{cols} with ld {ld}", name);
    }
}
