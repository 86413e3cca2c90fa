#pragma once
// What `aegan train` shows and writes while it trains, through the trainer's callbacks: a
// progress bar with running loss means, one line per epoch, losses.csv and losses.png, and a grid
// of samples from fixed latent codes after every epoch.
#include <aegan/aegan.hpp>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "scoring.hpp"

namespace aegan_cli {

using Net = aegan::nn::Sequential<T>;
using Trainer = aegan::train::AEGANTrainer<Net>;
using Model = aegan::models::GeneratorModel<T>;

/// Nearest-neighbour magnification that makes small images visible in a grid.
inline Index grid_scale(Index size) { return size <= 32 ? 2 : 1; }

class TrainingLog {
 public:
  TrainingLog(Trainer& trainer, fs::path out, Index steps_per_epoch, std::string epochs_label, Tensor fixed_z, Index image_size)
      : trainer_(trainer), out_(std::move(out)), steps_per_epoch_(steps_per_epoch), epochs_label_(std::move(epochs_label)),
        fixed_z_(std::move(fixed_z)), scale_(grid_scale(image_size)) {
    trainer.on_step([this](const aegan::train::StepReport& r) { on_step(r); });
    trainer.on_epoch_end([this](long epoch, const std::vector<aegan::train::StepReport>& reports) { on_epoch_end(epoch, reports); });
  }

  /// Seconds the last finished epoch took (0 before the first).
  double last_epoch_seconds() const { return last_epoch_seconds_; }

 private:
  void on_step(const aegan::train::StepReport& r) {
    if (!bar_) {
      bar_ = std::make_unique<aegan::io::ProgressBar>(steps_per_epoch_, "epoch " + std::to_string(r.epoch) + "/" + epochs_label_);
      names_.clear();
      for (const auto& [name, value] : r.losses) names_.push_back(name);
      sums_.assign(names_.size(), 0.0);
    }
    const Index done = (r.step - 1) % steps_per_epoch_ + 1;
    std::vector<std::pair<std::string, double>> running;
    for (std::size_t i = 0; i < r.losses.size(); ++i) {
      sums_[i] += r.losses[i].second;
      running.emplace_back(names_[i], sums_[i] / static_cast<double>(done));
    }
    bar_->update(done, running);
  }

  void on_epoch_end(long epoch, const std::vector<aegan::train::StepReport>& reports) {
    last_epoch_seconds_ = bar_ ? bar_->seconds_since_start() : 0.0;
    if (bar_) bar_->finish();
    bar_.reset();
    if (!csv_) start_files();
    std::vector<double> row{static_cast<double>(epoch), last_epoch_seconds_};
    std::printf("epoch %ld  %.1fs ", epoch, last_epoch_seconds_);
    const auto means = aegan::train::mean_losses(reports);
    for (std::size_t i = 0; i < means.size(); ++i) {
      const auto& [name, mean] = means[i];
      row.push_back(mean);
      curves_[i].values.push_back(mean);
      std::printf(" %s %.4f", name.c_str(), mean);
    }
    std::printf("\n");
    std::fflush(stdout);
    csv_->row(row);
    char name[64];
    std::snprintf(name, sizeof name, "samples_epoch_%03ld.png", epoch);
    aegan::io::write_image_grid(out_ / name, to_unit_range(trainer_.generate(fixed_z_)), aegan::io::GridOptions().columns(8).scale(scale_));
    aegan::io::write_line_chart(out_ / "losses.png", curves_);
  }

  void start_files() {
    std::vector<std::string> columns{"epoch", "seconds"};
    for (const auto& n : names_) {
      columns.push_back(n);
      curves_.push_back({n, {}});
    }
    csv_ = std::make_unique<aegan::io::CsvWriter>(out_ / "losses.csv", columns);
  }

  Trainer& trainer_;
  fs::path out_;
  Index steps_per_epoch_;
  std::string epochs_label_;
  Tensor fixed_z_;
  Index scale_;
  std::unique_ptr<aegan::io::ProgressBar> bar_;
  std::vector<std::string> names_;
  std::vector<double> sums_;
  std::vector<aegan::io::Series> curves_;
  std::unique_ptr<aegan::io::CsvWriter> csv_;
  double last_epoch_seconds_ = 0;
};

}  // namespace aegan_cli
