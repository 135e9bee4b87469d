#include "sim/answers.hpp"

#include <type_traits>

#include "sim/selection.hpp"

namespace intentq::sim {
namespace {

template <class... Fs>
struct Overload : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
Overload(Fs...) -> Overload<Fs...>;

}  // namespace

const gw::RequestSpec* request_spec(const gw::ClientMessage& m) {
  return std::visit(
      [](const auto& r) -> const gw::RequestSpec* {
        using T = std::decay_t<decltype(r)>;
        if constexpr (requires { T::kId; })
          return gw::spec_for_message(T::kId);
        else
          return nullptr;  // UnknownRequest
      },
      m);
}

int request_id(const gw::ClientMessage& m) {
  return std::visit(
      [](const auto& r) -> int {
        using T = std::decay_t<decltype(r)>;
        if constexpr (requires { r.req_id; }) {  // the messages whose spec carries an id
          return r.req_id;
        } else {
          return -1;
        }
      },
      m);
}

std::string error_payload(int sv, int64_t id, int code, std::string message) {
  gw::ErrorMessage e;
  e.id = id;
  e.code = code;
  e.message = std::move(message);
  if (sv >= 194) {
    e.error_time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  }
  return gw::encode_error(sv, e);
}

std::vector<std::string> build_startup(const Scenario& s, int sv, int64_t next_valid_id) {
  std::vector<std::string> out;
  out.push_back(gw::encode_managed_accounts(sv, s.accounts));
  out.push_back(gw::encode_next_valid_id(sv, next_valid_id));
  // IB Gateway reports its data-farm connections as id -1 notices right after start-up.
  out.push_back(error_payload(sv, -1, 2104, "Market data farm connection is OK:usfarm"));
  out.push_back(error_payload(sv, -1, 2106, "HMDS data farm connection is OK:ushmds"));
  out.push_back(error_payload(sv, -1, 2158, "Sec-def data farm connection is OK:secdefil"));
  return out;
}

std::vector<std::string> build_answer(const Scenario& s, int sv, int client_id,
                                      const gw::ClientMessage& m,
                                      std::chrono::system_clock::time_point now) {
  std::vector<std::string> out;
  auto open_orders = [&](std::optional<int> only_client) {
    for (const OpenOrderEntry* o : select_open_orders(s, only_client)) {
      out.push_back(gw::encode_open_order(sv, o->open_order));
      out.push_back(gw::encode_order_status(sv, o->status));
    }
    out.push_back(gw::encode_open_order_end(sv));
  };
  std::visit(
      Overload{
          [&](const gw::ReqPositions&) {
            for (const auto& p : s.positions) out.push_back(gw::encode_position(sv, p));
            out.push_back(gw::encode_position_end(sv));
          },
          [&](const gw::ReqAccountSummary& r) {
            auto sel = select_account_summary(s, r.group, r.tags);
            if (sel.error) {
              out.push_back(error_payload(sv, r.req_id, sel.error->code, sel.error->message));
              return;
            }
            for (const auto& v : sel.rows) {
              out.push_back(gw::encode_account_summary(sv, r.req_id, v));
            }
            out.push_back(gw::encode_account_summary_end(sv, r.req_id));
          },
          [&](const gw::ReqExecutions& r) {
            for (const ExecutionEntry* e : select_executions(s, r.filter, utc_date(now))) {
              out.push_back(gw::encode_exec_details(sv, r.req_id, e->execution));
              if (e->commission) out.push_back(gw::encode_commission_report(sv, *e->commission));
            }
            out.push_back(gw::encode_exec_details_end(sv, r.req_id));
          },
          [&](const gw::ReqAllOpenOrders&) { open_orders(std::nullopt); },
          [&](const gw::ReqOpenOrders&) { open_orders(client_id); },
          [&](const gw::ReqCurrentTime&) {
            auto secs =
                std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
            out.push_back(gw::encode_current_time(sv, secs));
          },
          [&](const gw::ReqContractDetails& r) {
            auto found = select_contracts(s, r.contract);
            if (found.empty()) {
              out.push_back(error_payload(sv, r.req_id, 200,
                                          "No security definition has been found for the request"));
              return;
            }
            for (const auto* d : found) out.push_back(gw::encode_contract_data(sv, r.req_id, *d));
            out.push_back(gw::encode_contract_data_end(sv, r.req_id));
          },
          [](const auto&) {},
      },
      m);
  return out;
}

}  // namespace intentq::sim
