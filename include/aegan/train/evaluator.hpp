#pragma once
// Scores generated MNIST-like digits in the feature space of a classifier trained with this
// library (examples/mnist_classifier): FID with its real-vs-real floor at the same sample count,
// class coverage, and the KL of the class histogram against the test set's.
#include <filesystem>
#include <string>
#include <vector>

#include "aegan/data/dataset.hpp"
#include "aegan/models/mnist_nets.hpp"
#include "aegan/tensor/batches.hpp"
#include "aegan/train/metrics.hpp"
#include "aegan/train/state.hpp"

namespace aegan::train {

struct SampleScores {
  double fid = 0;        // samples vs test set
  double fid_floor = 0;  // real training digits vs test set, same sample count
  int coverage = 0;      // classes with >= 2% of the samples
  double class_kl = 0;   // KL(sample classes || test classes)
  std::vector<double> histogram;
};

template <Scalar T>
class MnistEvaluator {
 public:
  /// Loads the classifier saved by examples/mnist_classifier (entries "classifier.*").
  explicit MnistEvaluator(const std::filesystem::path& classifier_file) {
    const Checkpoint ck = Checkpoint::load(classifier_file);
    load_module(ck, "classifier", classifier_);
    classifier_.eval();
  }

  /// Features [N, 256] and predicted classes of images [N, 1, 28, 28] in [0, 1].
  void embed(const Tensor<T>& images, Tensor<T>& features, std::vector<int>& classes) {
    NoGradGuard no_grad;
    const Index n = images.dim(0), chunk = 128;
    features = Tensor<T>::uninitialized({n, models::mnist::Classifier<T>::kFeatures});
    classes.assign(static_cast<std::size_t>(n), 0);
    for (Index start = 0; start < n; start += chunk) {
      const Index m = std::min(chunk, n - start);
      Var<T> f = classifier_.features(Var<T>(slice_rows(images, start, m)));
      std::copy_n(f.value().data(), f.numel(), features.data() + start * f.dim(1));
      // The head is dropout (identity in eval) then a linear layer: logits from the features.
      Var<T> logits = classifier_.forward_features(f);
      for (Index i = 0; i < m; ++i) {
        Index best = 0;
        logits.value().matrix().row(i).maxCoeff(&best);
        classes[static_cast<std::size_t>(start + i)] = static_cast<int>(best);
      }
    }
  }

  /// Accuracy of the classifier on labelled images, in [0, 1]; unlabelled images are refused.
  double accuracy(const Tensor<T>& images, const std::vector<std::uint8_t>& labels) {
    data::check_labels(images, labels, "MnistEvaluator::accuracy", data::Labels::Required);
    Tensor<T> features;
    std::vector<int> classes;
    embed(images, features, classes);
    Index correct = 0;
    for (std::size_t i = 0; i < classes.size(); ++i) correct += classes[i] == labels[i] ? 1 : 0;
    return static_cast<double>(correct) / static_cast<double>(std::max<std::size_t>(classes.size(), 1));
  }

  /// Scores `samples` against `test` images and their labels (required: the class histogram is
  /// compared with theirs); `real` supplies the floor (the same number of real digits from outside
  /// the test set). All images in [0, 1].
  SampleScores score(const Tensor<T>& samples, const Tensor<T>& test, const std::vector<std::uint8_t>& test_labels, const Tensor<T>& real) {
    data::check_labels(test, test_labels, "MnistEvaluator::score", data::Labels::Required);
    if (real.dim(0) < samples.dim(0))
      throw ValueError("MnistEvaluator::score: the floor needs at least as many real digits (" + std::to_string(real.dim(0)) +
                       ") as samples (" + std::to_string(samples.dim(0)) + ")");
    Tensor<T> fs, ft, fr;
    std::vector<int> cs, ct, cr;
    embed(samples, fs, cs);
    embed(test, ft, ct);
    embed(slice_rows(real, 0, samples.dim(0)), fr, cr);
    SampleScores s;
    s.fid = frechet_distance(fs, ft);
    s.fid_floor = frechet_distance(fr, ft);
    s.histogram = class_histogram(cs, 10);
    s.coverage = class_coverage(s.histogram, 0.02);
    std::vector<int> truth(test_labels.begin(), test_labels.end());
    s.class_kl = kl_divergence(s.histogram, class_histogram(truth, 10));
    return s;
  }

  models::mnist::Classifier<T>& classifier() { return classifier_; }

 private:
  models::mnist::Classifier<T> classifier_;
};

}  // namespace aegan::train
