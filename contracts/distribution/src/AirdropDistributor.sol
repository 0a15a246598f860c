// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {BitMaps} from "@openzeppelin/contracts/utils/structs/BitMaps.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";

/// @title AirdropDistributor
/// @notice Pull-based airdrop over a Merkle root of Uniswap-format leaves
///         `keccak256(abi.encodePacked(uint256 index, address account, uint256 amount))`
///         with sorted-pair hashing, so the engine's `uniswap` preset output works unchanged.
///         Adds a claim window, owner clawback after the deadline, optional linear vesting and
///         gasless claims through the recipient's EIP-712 (or EIP-1271) signature.
/// @dev Tokens always go to the leaf's `account`, whoever submits the transaction: a caller can
///      at most pay gas for somebody else, never redirect their tokens.
///      Fee-on-transfer and rebasing tokens are NOT supported: the contract assumes it receives
///      and sends exactly the amounts it is asked to.
contract AirdropDistributor is Ownable, EIP712, Nonces {
    using SafeERC20 for IERC20;
    using BitMaps for BitMaps.BitMap;

    /// @notice EIP-712 struct a recipient signs so a relayer can claim for them.
    bytes32 public constant CLAIM_TYPEHASH =
        keccak256("Claim(uint256 index,address account,uint256 amount,uint256 nonce,uint256 deadline)");

    uint256 private constant BPS = 10_000;

    /// @notice The token being distributed.
    IERC20 public immutable token;
    /// @notice Root of the Merkle tree of (index, account, amount) leaves.
    bytes32 public immutable merkleRoot;
    /// @notice First second (unix) at which claims are accepted.
    uint64 public immutable start;
    /// @notice First second (unix) at which claims are refused and clawback becomes possible.
    uint64 public immutable deadline;
    /// @notice Receiver of whatever is left after the deadline.
    address public immutable clawbackTo;
    /// @notice Share of each allocation unlocked at `start`, in basis points (10000 = all).
    uint16 public immutable unlockedBps;
    /// @notice Seconds after `start` before which only the unlocked share is claimable.
    uint64 public immutable cliff;
    /// @notice Seconds after `start` at which the whole allocation is vested; 0 = no vesting.
    uint64 public immutable duration;

    BitMaps.BitMap private _fullyClaimed;
    /// @notice Amount already paid per index; only written when vesting is on (a bit suffices otherwise).
    mapping(uint256 index => uint256) public claimedAmount;

    /// @notice A claim paid `amount` (this time) to `account` for leaf `index`.
    /// @dev Same signature as Uniswap's MerkleDistributor event, so one log decoder serves both.
    event Claimed(uint256 index, address account, uint256 amount);
    /// @notice The owner swept `amount` of leftover tokens to `to` after the deadline.
    event ClawedBack(address indexed to, uint256 amount);

    error ZeroAddress();
    error ZeroRoot();
    error InvalidWindow(uint64 start, uint64 deadline);
    error InvalidVesting();
    error VestingEndsAfterDeadline(uint256 vestingEnd, uint64 deadline);
    error ClaimNotStarted(uint64 start);
    error ClaimWindowClosed(uint64 deadline);
    error AlreadyClaimed(uint256 index);
    error InvalidProof();
    error NothingToClaim(uint256 index);
    error SignatureExpired(uint256 deadline);
    error InvalidSignature();
    error ClawbackBeforeDeadline(uint64 deadline);
    error NothingToClawBack();

    /// @param token_ ERC-20 to distribute (funded by a plain transfer after deployment).
    /// @param merkleRoot_ Root over Uniswap-format leaves; must be non-zero.
    /// @param start_ Unix second claims open (also when vesting starts).
    /// @param deadline_ Unix second claims close; `type(uint64).max` means never (then no clawback).
    /// @param clawbackTo_ Receiver of the leftover after the deadline.
    /// @param owner_ The only account allowed to call `clawback`.
    /// @param unlockedBps_ Share unlocked at start in basis points; must be 10000 when `duration_` is 0.
    /// @param cliff_ Seconds after start before linear vesting pays out; at most `duration_`.
    /// @param duration_ Seconds after start until fully vested; 0 disables vesting.
    constructor(
        IERC20 token_,
        bytes32 merkleRoot_,
        uint64 start_,
        uint64 deadline_,
        address clawbackTo_,
        address owner_,
        uint16 unlockedBps_,
        uint64 cliff_,
        uint64 duration_
    ) Ownable(owner_) EIP712("AirdropDistributor", "1") {
        if (address(token_) == address(0) || clawbackTo_ == address(0)) revert ZeroAddress();
        // A zero root is what an unset or mis-parsed root looks like; no real tree has one.
        if (merkleRoot_ == bytes32(0)) revert ZeroRoot();
        if (start_ >= deadline_) revert InvalidWindow(start_, deadline_);
        if (unlockedBps_ > BPS || cliff_ > duration_) revert InvalidVesting();
        if (duration_ == 0 && unlockedBps_ != BPS) revert InvalidVesting();
        // Recipients must be able to claim everything before the window closes.
        if (duration_ != 0 && uint256(start_) + duration_ > deadline_) {
            revert VestingEndsAfterDeadline(uint256(start_) + duration_, deadline_);
        }
        token = token_;
        merkleRoot = merkleRoot_;
        start = start_;
        deadline = deadline_;
        clawbackTo = clawbackTo_;
        unlockedBps = unlockedBps_;
        cliff = cliff_;
        duration = duration_;
    }

    /// @notice Claims what is claimable now for leaf (`index`, `account`, `amount`); pays `account`.
    /// @dev Anyone may submit; tokens always go to `account`. With vesting, call again later for more.
    /// @param index Leaf index from the claims file.
    /// @param account Recipient in the leaf.
    /// @param amount Full allocation in the leaf (base units).
    /// @param proof Sibling hashes from the leaf to the root.
    /// @return paid Amount transferred by this call.
    function claim(uint256 index, address account, uint256 amount, bytes32[] calldata proof)
        external
        returns (uint256 paid)
    {
        return _claim(index, account, amount, proof);
    }

    /// @notice Claims for `account` with its EIP-712 signature of
    ///         `Claim(index, account, amount, nonces(account), sigDeadline)`, so a relayer pays gas.
    /// @dev Works with EOAs (ECDSA) and contract wallets (EIP-1271). The domain binds chain id and
    ///      this contract; the nonce makes each signature single-use; tokens still go to `account`.
    /// @param sigDeadline Last unix second the signature is valid.
    /// @param signature 65-byte ECDSA signature, or whatever `account`'s EIP-1271 check accepts.
    /// @return paid Amount transferred by this call.
    function claimWithSignature(
        uint256 index,
        address account,
        uint256 amount,
        bytes32[] calldata proof,
        uint256 sigDeadline,
        bytes calldata signature
    ) external returns (uint256 paid) {
        if (block.timestamp > sigDeadline) revert SignatureExpired(sigDeadline);
        bytes32 digest = _hashTypedDataV4(
            keccak256(abi.encode(CLAIM_TYPEHASH, index, account, amount, _useNonce(account), sigDeadline))
        );
        if (!SignatureChecker.isValidSignatureNow(account, digest, signature)) revert InvalidSignature();
        return _claim(index, account, amount, proof);
    }

    /// @notice After the deadline, sends every remaining token to `clawbackTo`.
    /// @return amount Amount swept.
    function clawback() external onlyOwner returns (uint256 amount) {
        if (block.timestamp < deadline) revert ClawbackBeforeDeadline(deadline);
        amount = token.balanceOf(address(this));
        if (amount == 0) revert NothingToClawBack();
        emit ClawedBack(clawbackTo, amount);
        token.safeTransfer(clawbackTo, amount);
    }

    /// @notice Whether leaf `index` has been paid in full.
    function isClaimed(uint256 index) external view returns (bool) {
        return _fullyClaimed.get(index);
    }

    /// @notice Part of an allocation of `amount` vested at unix second `timestamp`.
    /// @dev `unlocked = amount * unlockedBps / 10000` at start; the rest vests linearly over
    ///      [start, start + duration] but pays nothing before start + cliff; exactly `amount` from
    ///      start + duration on. Rounds down, so the last claim pays the exact remainder.
    function vestedAmount(uint256 amount, uint256 timestamp) public view returns (uint256) {
        if (timestamp < start) return 0;
        if (duration == 0) return amount;
        uint256 elapsed = timestamp - start;
        if (elapsed >= duration) return amount;
        uint256 unlocked = amount * unlockedBps / BPS;
        if (elapsed < cliff) return unlocked;
        return unlocked + (amount - unlocked) * elapsed / duration;
    }

    /// @notice What a claim for leaf (`index`, `amount`) would pay now (the proof is not checked).
    function claimableAmount(uint256 index, uint256 amount) external view returns (uint256) {
        if (_fullyClaimed.get(index) || block.timestamp < start || block.timestamp >= deadline) return 0;
        if (duration == 0) return amount;
        return vestedAmount(amount, block.timestamp) - claimedAmount[index];
    }

    function _claim(uint256 index, address account, uint256 amount, bytes32[] calldata proof)
        private
        returns (uint256 paid)
    {
        if (block.timestamp < start) revert ClaimNotStarted(start);
        if (block.timestamp >= deadline) revert ClaimWindowClosed(deadline);
        if (_fullyClaimed.get(index)) revert AlreadyClaimed(index);
        bytes32 leaf = keccak256(abi.encodePacked(index, account, amount));
        if (!MerkleProof.verifyCalldata(proof, merkleRoot, leaf)) revert InvalidProof();

        if (duration == 0) {
            // No vesting: one bit per index, the same storage cost as Uniswap's distributor.
            paid = amount;
            _fullyClaimed.set(index);
        } else {
            uint256 already = claimedAmount[index];
            uint256 vested = vestedAmount(amount, block.timestamp);
            paid = vested - already;
            if (paid == 0) revert NothingToClaim(index);
            claimedAmount[index] = vested;
            if (vested == amount) _fullyClaimed.set(index);
        }

        // Effects are written before the transfer so a re-entrant token cannot claim twice.
        emit Claimed(index, account, paid);
        token.safeTransfer(account, paid);
    }
}
