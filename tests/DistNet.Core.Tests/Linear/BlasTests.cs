using DistNet.Core.Linear;

namespace DistNet.Core.Tests.Linear;

public class BlasTests
{
    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void Gemm_equals_the_triple_loop_on_padded_column_major_views(bool transposeA, bool transposeB)
    {
        const int m = 7, n = 5, k = 9, pad = 3, offset = 4;
        var random = new System.Random(42);
        int aRows = transposeA ? k : m, aCols = transposeA ? m : k;
        int bRows = transposeB ? n : k, bCols = transposeB ? k : n;
        int lda = aRows + pad, ldb = bRows + pad, ldc = m + pad;
        float[] a = Fill(offset + lda * aCols), b = Fill(offset + ldb * bCols), c = Fill(offset + ldc * n);
        var original = (float[])c.Clone();

        Blas.Gemm(transposeA, transposeB, m, n, k, 0.5f, a.AsSpan(offset), lda, b.AsSpan(offset), ldb, 2f, c.AsSpan(offset), ldc);

        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int p = 0; p < k; p++)
                {
                    double av = transposeA ? a[offset + i * lda + p] : a[offset + p * lda + i];
                    double bv = transposeB ? b[offset + p * ldb + j] : b[offset + j * ldb + p];
                    sum += av * bv;
                }
                double expected = 0.5 * sum + 2 * original[offset + j * ldc + i];
                Assert.Equal(expected, c[offset + j * ldc + i], 4);
            }
        // Padding between columns and the prefix before the view are left alone.
        for (int j = 0; j < n; j++)
            for (int i = m; i < ldc && offset + j * ldc + i < c.Length; i++)
                Assert.Equal(original[offset + j * ldc + i], c[offset + j * ldc + i]);
        Assert.Equal(original[..offset], c[..offset]);

        float[] Fill(int length) => Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
    }

    [Fact]
    public void Gemm_refuses_buffers_too_small_for_the_shape()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            Blas.Gemm(false, false, 3, 3, 3, 1, new float[8], 3, new float[9], 3, 0, new float[9], 3));
        Assert.Contains("too few", ex.Message);
    }

    [Fact]
    public void Backend_is_named()
    {
        Assert.False(string.IsNullOrWhiteSpace(Blas.Backend));
        Assert.Equal(Blas.IsNative, Blas.Backend.StartsWith("OpenBLAS"));
    }
}
