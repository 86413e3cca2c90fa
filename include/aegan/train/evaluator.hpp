#pragma once
// Scores generated images in the feature space of a classifier trained with this library (`aegan
// classifier`, or examples/mnist_classifier for digits): FID with its real-vs-real floor at the
// same sample count, class coverage, and the KL of the class histogram against the test set's.
#include <filesystem>
#include <string>
#include <vector>

#include "aegan/data/dataset.hpp"
#include "aegan/models/image_nets.hpp"
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
class ImageEvaluator {
 public:
  /// Loads a classifier file: entries "classifier.*", and "classifier.shape" = {channels, size,
  /// classes} as `aegan classifier` writes it; a file without the shape (examples/mnist_classifier)
  /// holds a 1×28×28, 10-class digit classifier.
  explicit ImageEvaluator(const std::filesystem::path& classifier_file) {
    const Checkpoint ck = Checkpoint::load(classifier_file);
    std::vector<std::int64_t> shape{1, 28, 10};
    if (ck.contains("classifier.shape")) shape = ck.ints("classifier.shape");
    if (shape.size() != 3 || shape[0] < 1 || shape[0] > 4 || shape[1] < 1 || shape[1] > 4096 || shape[2] < 1 || shape[2] > 256)
      throw IoError("ImageEvaluator: " + classifier_file.string() + ": 'classifier.shape' is not {channels 1..4, size 1..4096, classes 1..256}");
    classifier_ = std::make_unique<models::ImageClassifier<T>>(shape[0], shape[1], shape[2]);
    load_module(ck, "classifier", *classifier_);
    classifier_->eval();
  }

  /// Features [N, 256] and predicted classes of images [N, C, S, S] in [0, 1].
  void embed(const Tensor<T>& images, Tensor<T>& features, std::vector<int>& classes) {
    NoGradGuard no_grad;
    const Index n = images.dim(0), chunk = 128;
    features = Tensor<T>::uninitialized({n, models::ImageClassifier<T>::kFeatures});
    classes.assign(static_cast<std::size_t>(n), 0);
    for (Index start = 0; start < n; start += chunk) {
      const Index m = std::min(chunk, n - start);
      Var<T> f = classifier_->features(Var<T>(slice_rows(images, start, m)));
      std::copy_n(f.value().data(), f.numel(), features.data() + start * f.dim(1));
      // The head is dropout (identity in eval) then a linear layer: logits from the features.
      Var<T> logits = classifier_->forward_features(f);
      for (Index i = 0; i < m; ++i) {
        Index best = 0;
        logits.value().matrix().row(i).maxCoeff(&best);
        classes[static_cast<std::size_t>(start + i)] = static_cast<int>(best);
      }
    }
  }

  /// Accuracy of the classifier on labelled images, in [0, 1]; unlabelled images are refused.
  double accuracy(const Tensor<T>& images, const std::vector<std::uint8_t>& labels) {
    data::check_labels(images, labels, "ImageEvaluator::accuracy", data::Labels::Required);
    Tensor<T> features;
    std::vector<int> classes;
    embed(images, features, classes);
    Index correct = 0;
    for (std::size_t i = 0; i < classes.size(); ++i) correct += classes[i] == labels[i] ? 1 : 0;
    return static_cast<double>(correct) / static_cast<double>(std::max<std::size_t>(classes.size(), 1));
  }

  /// Scores `samples` against `test` images and their labels (required: the class histogram is
  /// compared with theirs); `real` supplies the floor (the same number of real images from outside
  /// the test set). All images in [0, 1].
  SampleScores score(const Tensor<T>& samples, const Tensor<T>& test, const std::vector<std::uint8_t>& test_labels, const Tensor<T>& real) {
    data::check_labels(test, test_labels, "ImageEvaluator::score", data::Labels::Required);
    if (real.dim(0) < samples.dim(0))
      throw ValueError("ImageEvaluator::score: the floor needs at least as many real images (" + std::to_string(real.dim(0)) +
                       ") as samples (" + std::to_string(samples.dim(0)) + ")");
    Tensor<T> fs, ft, fr;
    std::vector<int> cs, ct, cr;
    embed(samples, fs, cs);
    embed(test, ft, ct);
    embed(slice_rows(real, 0, samples.dim(0)), fr, cr);
    SampleScores s;
    s.fid = frechet_distance(fs, ft);
    s.fid_floor = frechet_distance(fr, ft);
    const int classes = static_cast<int>(classifier_->classes());
    s.histogram = class_histogram(cs, classes);
    s.coverage = class_coverage(s.histogram, 0.02);
    std::vector<int> truth(test_labels.begin(), test_labels.end());
    s.class_kl = kl_divergence(s.histogram, class_histogram(truth, classes));
    return s;
  }

  models::ImageClassifier<T>& classifier() { return *classifier_; }

 private:
  std::unique_ptr<models::ImageClassifier<T>> classifier_;
};

}  // namespace aegan::train
