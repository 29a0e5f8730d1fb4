using DistNet.Core.Data;
using DistNet.Core.Random;

namespace DistNet.Core.Tests.Data;

public class SyntheticDataTests
{
    public static TheoryData<string> Names => ["xor", "circles", "moons", "spirals"];

    private static Dataset Make(string name, int samples = 400, double? noise = null, long seed = 1) => name switch
    {
        "xor" => SyntheticData.Xor(samples, noise ?? SyntheticData.DefaultXorNoise, seed),
        "circles" => SyntheticData.Circles(samples, noise ?? SyntheticData.DefaultCirclesNoise, seed),
        "moons" => SyntheticData.Moons(samples, noise ?? SyntheticData.DefaultMoonsNoise, seed),
        "spirals" => SyntheticData.Spirals(samples, noise ?? SyntheticData.DefaultSpiralsNoise, seed),
        _ => throw new ArgumentException(name),
    };

    [Theory, MemberData(nameof(Names))]
    public void SameSeedGivesIdenticalData(string name)
    {
        var a = Make(name, seed: 7);
        var b = Make(name, seed: 7);
        Assert.Equal(a.Features, b.Features);
        Assert.Equal(a.Labels, b.Labels!);
    }

    [Theory, MemberData(nameof(Names))]
    public void DifferentSeedGivesDifferentData(string name)
    {
        Assert.NotEqual(Make(name, seed: 1).Features, Make(name, seed: 2).Features);
    }

    [Theory, MemberData(nameof(Names))]
    public void ClassesAreBalancedAndNamed(string name)
    {
        var data = Make(name, samples: 401);
        Assert.Equal(name, data.Name);
        Assert.Equal(2, data.FeatureCount);
        Assert.Equal(401, data.Count);
        Assert.Equal(["0", "1"], data.Classes!);
        Assert.Equal(200, data.Labels!.Count(l => l == 0));
        Assert.Equal(201, data.Labels!.Count(l => l == 1));
        // Shuffled, as scikit-learn does: not all of class 0 first.
        Assert.Contains(1, data.Labels![..100]);
    }

    [Theory, MemberData(nameof(Names))]
    public void NearestNeighbourSeparatesTheClasses(string name)
    {
        // Structure check: each point's nearest neighbour almost always shares its class.
        var data = Make(name);
        Assert.True(LeaveOneOutNearestNeighbour(data) >= 0.93, $"{name}: 1-NN accuracy {LeaveOneOutNearestNeighbour(data)}");
    }

    [Fact]
    public void CirclesHaveRadiiOneAndOneHalf()
    {
        var exact = SyntheticData.Circles(noise: 0);
        for (int i = 0; i < exact.Count; i++)
            Assert.Equal(exact.Labels![i] == 0 ? 1.0 : 0.5, Radius(exact, i), 5);

        var noisy = SyntheticData.Circles();
        Assert.Equal(1.0, MeanRadius(noisy, 0), 1);
        Assert.Equal(0.5, MeanRadius(noisy, 1), 1);
        Assert.InRange(MeanRadius(noisy, 0), 0.97, 1.03);
        Assert.InRange(MeanRadius(noisy, 1), 0.48, 0.53);
    }

    [Fact]
    public void MoonsLieOnScikitLearnsHalfCircles()
    {
        var data = SyntheticData.Moons(noise: 0);
        for (int i = 0; i < data.Count; i++)
        {
            var p = data.Sample(i);
            if (data.Labels![i] == 0)
            {
                Assert.Equal(1.0, Math.Sqrt(p[0] * p[0] + p[1] * p[1]), 5); // upper half of the unit circle
                Assert.True(p[1] >= -1e-6);
            }
            else
            {
                Assert.Equal(1.0, Math.Sqrt((p[0] - 1) * (p[0] - 1) + (p[1] - 0.5) * (p[1] - 0.5)), 5); // lower half around (1, 0.5)
                Assert.True(p[1] <= 0.5 + 1e-6);
            }
        }
    }

    [Fact]
    public void SpiralArmsAreEachOthersRotation()
    {
        var data = SyntheticData.Spirals(samples: 200, noise: 0);
        var radii0 = Enumerable.Range(0, 200).Where(i => data.Labels![i] == 0).Select(i => Radius(data, i)).Order().ToArray();
        var radii1 = Enumerable.Range(0, 200).Where(i => data.Labels![i] == 1).Select(i => Radius(data, i)).Order().ToArray();
        for (int k = 0; k < 100; k++)
        {
            Assert.Equal((k + 1) / 100.0, radii0[k], 5);
            Assert.Equal(radii0[k], radii1[k], 5);
        }
    }

    [Fact]
    public void XorDefeatsEveryLineButNotTheQuadrantRule()
    {
        var data = SyntheticData.Xor();
        int quadrantRule = Enumerable.Range(0, data.Count)
            .Count(i => (data.Sample(i)[0] * data.Sample(i)[1] < 0 ? 1 : 0) == data.Labels![i]);
        Assert.True(quadrantRule >= 0.97 * data.Count, $"quadrant rule {quadrantRule}/{data.Count}");
        double bestLine = BestLinearAccuracy(data);
        Assert.InRange(bestLine, 0.6, 0.78);
    }

    [Fact]
    public void XorIsLearnedByASmallSigmoidNetwork()
    {
        var data = SyntheticData.Xor();
        double accuracy = TrainTinyMlp(data, hidden: 3);
        Assert.True(accuracy >= 0.97, $"accuracy {accuracy}");
    }

    [Fact]
    public void BadArgumentsAreRejected()
    {
        Assert.Throws<ArgumentException>(() => SyntheticData.Xor(samples: 1));
        Assert.Throws<ArgumentException>(() => SyntheticData.Moons(noise: -0.1));
        Assert.Throws<ArgumentException>(() => SyntheticData.Circles(noise: double.NaN));
    }

    private static double Radius(Dataset data, int i) =>
        Math.Sqrt((double)data.Sample(i)[0] * data.Sample(i)[0] + (double)data.Sample(i)[1] * data.Sample(i)[1]);

    private static double MeanRadius(Dataset data, int label) =>
        Enumerable.Range(0, data.Count).Where(i => data.Labels![i] == label).Average(i => Radius(data, i));

    private static double LeaveOneOutNearestNeighbour(Dataset data)
    {
        int correct = 0;
        for (int i = 0; i < data.Count; i++)
        {
            int nearest = -1;
            double best = double.MaxValue;
            for (int j = 0; j < data.Count; j++)
            {
                if (j == i) continue;
                double dx = data.Features[2 * i] - data.Features[2 * j], dy = data.Features[2 * i + 1] - data.Features[2 * j + 1];
                if (dx * dx + dy * dy < best) { best = dx * dx + dy * dy; nearest = j; }
            }
            if (data.Labels![nearest] == data.Labels[i]) correct++;
        }
        return correct / (double)data.Count;
    }

    /// <summary>The best accuracy of any line (1° steps, offsets through the data), i.e. what a perceptron could reach.</summary>
    private static double BestLinearAccuracy(Dataset data)
    {
        double best = 0;
        for (int degree = 0; degree < 180; degree++)
        {
            double a = Math.Cos(degree * Math.PI / 180), b = Math.Sin(degree * Math.PI / 180);
            var projections = Enumerable.Range(0, data.Count).Select(i => a * data.Sample(i)[0] + b * data.Sample(i)[1]).ToArray();
            foreach (double threshold in projections)
            {
                int above = 0;
                for (int i = 0; i < data.Count; i++)
                    if ((projections[i] > threshold ? 1 : 0) == data.Labels![i]) above++;
                best = Math.Max(best, Math.Max(above, data.Count - above) / (double)data.Count);
            }
        }
        return best;
    }

    /// <summary>2-input, one-hidden-layer sigmoid network, full-batch gradient descent on cross-entropy; returns training accuracy.</summary>
    private static double TrainTinyMlp(Dataset data, int hidden)
    {
        var rng = Rng.ForPurpose(3, "test-mlp");
        var w1 = new double[hidden, 2];
        var b1 = new double[hidden];
        var w2 = new double[hidden];
        double b2 = 0;
        for (int h = 0; h < hidden; h++) { w1[h, 0] = rng.NextGaussian(); w1[h, 1] = rng.NextGaussian(); w2[h] = rng.NextGaussian(); }
        static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));
        int n = data.Count;
        var activation = new double[hidden];
        const double rate = 2.0;
        for (int epoch = 0; epoch < 3000; epoch++)
        {
            var gw1 = new double[hidden, 2];
            var gb1 = new double[hidden];
            var gw2 = new double[hidden];
            double gb2 = 0;
            for (int i = 0; i < n; i++)
            {
                double x = data.Features[2 * i], y = data.Features[2 * i + 1];
                double z = b2;
                for (int h = 0; h < hidden; h++) { activation[h] = Sigmoid(w1[h, 0] * x + w1[h, 1] * y + b1[h]); z += w2[h] * activation[h]; }
                double error = Sigmoid(z) - data.Labels![i];
                gb2 += error;
                for (int h = 0; h < hidden; h++)
                {
                    gw2[h] += error * activation[h];
                    double back = error * w2[h] * activation[h] * (1 - activation[h]);
                    gw1[h, 0] += back * x; gw1[h, 1] += back * y; gb1[h] += back;
                }
            }
            b2 -= rate * gb2 / n;
            for (int h = 0; h < hidden; h++)
            {
                w2[h] -= rate * gw2[h] / n; b1[h] -= rate * gb1[h] / n;
                w1[h, 0] -= rate * gw1[h, 0] / n; w1[h, 1] -= rate * gw1[h, 1] / n;
            }
        }
        int correct = 0;
        for (int i = 0; i < n; i++)
        {
            double x = data.Features[2 * i], y = data.Features[2 * i + 1], z = b2;
            for (int h = 0; h < hidden; h++) z += w2[h] * Sigmoid(w1[h, 0] * x + w1[h, 1] * y + b1[h]);
            if ((z > 0 ? 1 : 0) == data.Labels![i]) correct++;
        }
        return correct / (double)n;
    }
}
